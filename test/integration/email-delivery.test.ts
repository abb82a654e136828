// Sequence email through the whole stack to a real SMTP server: headers, text part, escaping of hostile
// personal data, one-click unsubscribe in the middle of a run, and how SMTP replies are handled
// (550: bounced, suppressed, not retried; 421: retried until accepted).
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import type { SequenceDefinition } from "../../domain/sequences/definition.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { builtIn } from "../support/built-in.ts";
import { recordHistory } from "../support/history-recorder.ts";
import { type SinkMessage, type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle, waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

const sendOnEntering = (
  key: string,
  stage: "mql" | "sql" | "customer",
  category: SequenceDefinition["category"],
  steps: SequenceDefinition["steps"],
): SequenceDefinition => ({
  key,
  name: `test program on ${stage}`,
  category,
  trigger: { type: "stage_entered", stage },
  entry: { reEntry: { mode: "never" } },
  steps,
  goals: [],
});

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  await publishSequenceVersion(
    stack.store,
    "two-emails",
    sendOnEntering("two-emails", "sql", "marketing", [
      { id: "first", type: "send_email", template: "nurture-lead" },
      { id: "pause", type: "wait", duration: "4s" },
      { id: "second", type: "send_email", template: "nurture-mql" },
    ]),
  );
  await publishSequenceVersion(
    stack.store,
    "mql-note",
    sendOnEntering("mql-note", "mql", "marketing", [
      { id: "note", type: "send_email", template: "nurture-mql" },
    ]),
  );
  await publishSequenceVersion(
    stack.store,
    "receipt",
    sendOnEntering("receipt", "customer", "transactional", [
      {
        id: "thanks",
        type: "send_email",
        template: "post-purchase-thanks",
        data: { order: { id: "A-1001", total: "$20.00", items: [] } },
      },
    ]),
  );
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

beforeEach(() => sink.setFailure(null));

async function createContact(email: string, name: string): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", { email, name, marketingConsent: true });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function moveTo(contactId: string, stage: string): Promise<void> {
  expect((await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage })).status).toBe(200);
}

const to = (email: string) => (message: SinkMessage) => message.envelope.to.includes(email);
const sentTo = (email: string) => sink.messages().filter(to(email));

/** The run's handle once the dispatcher has started it. */
async function runOf(sequenceKey: string, contactId: string, entryKey: string) {
  const handle = temporal.workflow.getHandle(sequenceWorkflowId(sequenceKey, contactId, entryKey));
  await waitUntil(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    15_000,
    `run of ${sequenceKey}`,
  );
  return handle;
}

function header(message: SinkMessage, key: string): string {
  const line = message.headerLines.find((candidate) => candidate.key === key)?.line ?? "";
  return line.replace(/\r?\n[ \t]+/g, " ");
}

describe("a marketing email on the wire", () => {
  test("carries the one-click unsubscribe headers, the derived Message-ID, a text part and escaped names", async () => {
    const hostile = `<script>alert("pwned")</script> <b>Mallory</b>`;
    const contactId = await createContact("mallory@example.com", hostile);
    await moveTo(contactId, "lead");
    const message = await sink.waitForMessage(to("mallory@example.com"), 15_000);

    const ledger = await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } });
    expect(message.messageId).toBe(ledger.messageId);
    const listUnsubscribe = header(message, "list-unsubscribe");
    expect(listUnsubscribe).toMatch(
      /^List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/v1\/unsubscribe\?token=[^>]+>$/,
    );
    expect(header(message, "list-unsubscribe-post")).toBe(
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    );

    // The name is shown as text: no script or markup of the contact's reaches the HTML.
    const html = String(message.html);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<b>Mallory</b>");
    expect(html).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
    // The visible unsubscribe link goes to the confirmation page, with the same signed token.
    const token = /\/v1\/unsubscribe\?token=([^>]+)>/.exec(listUnsubscribe)?.[1];
    // (Handlebars writes "=" in attribute values as an entity; browsers read it back as "=".)
    expect(html.replaceAll("&#x3D;", "=")).toContain(`/unsubscribe?token=${token}"`);

    expect(message.text).toContain('Hi <script>alert("pwned")</script>,');
    expect(message.text).not.toMatch(/<(div|table|td|a) /);
    expect(message.text).toMatch(/Unsubscribe \[http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=/);
  });

  test("a transactional email carries no unsubscribe headers", async () => {
    const contactId = await createContact("buyer@example.com", "Bea Buyer");
    await moveTo(contactId, "customer");
    const message = await sink.waitForMessage(to("buyer@example.com"), 15_000);
    expect(message.subject).toBe("Thanks for your order #A-1001");
    expect(header(message, "list-unsubscribe")).toBe("");
  });
});

describe("one-click unsubscribe", () => {
  test("ends a running sequence before its next email and suppresses the address", async () => {
    const contactId = await createContact("ursula@example.com", "Ursula Unsub");
    await moveTo(contactId, "sql");
    const first = await sink.waitForMessage(to("ursula@example.com"), 15_000);
    const oneClick = /<([^>]+)>/.exec(header(first, "list-unsubscribe"))?.[1] ?? "";

    // What a mailbox provider sends (RFC 8058): a form-encoded POST, no API key, no cookies.
    const response = await fetch(oneClick, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "unsubscribed" });

    const handle = await runOf("two-emails", contactId, "stage/sql");
    const result = await handle.result();
    expect(result).toMatchObject({ state: "exited", exitReason: "unsubscribed", emailsSent: 1 });
    await settle(5_000); // past the moment the second email was due
    expect(sentTo("ursula@example.com")).toHaveLength(1);
    expect(await stack.store.sendLedger.count({ where: { contactId } })).toBe(1);

    const contact = await api(stack, "GET", `/v1/contacts/${contactId}`);
    expect(contact.body).toMatchObject({ marketingConsent: false, unsubscribedAt: expect.any(String) });
    expect(
      await stack.store.suppression.findUnique({ where: { email: "ursula@example.com" } }),
    ).toMatchObject({
      reason: "unsubscribed",
    });
    recordHistory(handle.workflowId, "unsubscribed-mid-wait");
  });
});

describe("SMTP replies", () => {
  test("a 550 marks the send bounced, suppresses the address and is not retried", async () => {
    sink.setFailure((recipient) => (recipient === "gone@example.com" ? 550 : undefined));
    const contactId = await createContact("gone@example.com", "Gone Away");
    await moveTo(contactId, "lead");

    const handle = await runOf("welcome", contactId, "stage/lead");
    expect(await handle.result()).toMatchObject({
      state: "exited",
      exitReason: "hard bounce",
      emailsSent: 0,
    });
    const ledger = await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } });
    expect(ledger).toMatchObject({ status: "bounced", attempts: 1 });
    expect(ledger.error).toMatch(/550/);
    expect(await stack.store.suppression.findUnique({ where: { email: "gone@example.com" } })).toMatchObject({
      reason: "hard_bounce",
    });
    await settle(3_000); // longer than the first retry interval (2 s)
    expect(sink.attempts("gone@example.com")).toBe(1);

    // The mailbox works again, but the address stays suppressed for marketing ...
    sink.setFailure(null);
    await moveTo(contactId, "mql");
    const note = await runOf("mql-note", contactId, "stage/mql");
    expect(await note.result()).toMatchObject({ state: "completed", emailsSent: 0 });
    expect(await stack.store.sendLedger.findFirst({ where: { contactId, stepId: "note" } })).toMatchObject({
      status: "suppressed",
      error: "suppressed: hard_bounce",
    });
    // ... while transactional email still reaches it.
    await moveTo(contactId, "customer");
    const receipt = await sink.waitForMessage(to("gone@example.com"), 15_000);
    expect(receipt.subject).toBe("Thanks for your order #A-1001");
    expect(sentTo("gone@example.com")).toHaveLength(1);
  });

  test("a 421 is retried with backoff until the server accepts, and the email arrives once", async () => {
    let refusals = 0;
    sink.setFailure((recipient) => {
      if (recipient !== "busy@example.com" || refusals >= 2) return undefined;
      refusals += 1;
      return 421;
    });
    const contactId = await createContact("busy@example.com", "Busy Server");
    await moveTo(contactId, "lead");

    await sink.waitForMessage(to("busy@example.com"), 30_000);
    await waitUntil(
      async () => (await stack.store.sendLedger.count({ where: { contactId, status: "sent" } })) === 1,
    );
    // Two refusals, then the accepted delivery; nodemailer's pool may itself resend once on the
    // connection a 421 closes, so the activity ran at least twice but not necessarily three times.
    expect(sink.attempts("busy@example.com")).toBe(3);
    const ledger = await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } });
    expect(ledger.attempts).toBeGreaterThan(1);
    const handle = await runOf("welcome", contactId, "stage/lead");
    expect(await handle.result()).toMatchObject({ state: "completed", emailsSent: 1 });
    expect(sentTo("busy@example.com")).toHaveLength(1);
    expect(await stack.store.suppression.count({ where: { email: "busy@example.com" } })).toBe(0);
  });
});
