// Issue 8, two workers and two API processes on one database and one Temporal namespace: contacts
// arrive through either API, both workers dispatch outbox rows and send email, and nothing happens
// twice: one enrollment and one welcome email per contact, every outbox row delivered once.
import { afterAll, beforeAll, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { builtIn } from "../support/built-in.ts";
import {
  type ChildRun,
  killChildren,
  startApiProcess,
  startWorkerProcess,
} from "../support/child-processes.ts";
import { freePort } from "../support/free-port.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const CONTACTS = 16;
let sink: SmtpSink;
let stack: TestStack;
let workers: ChildRun[];
let apis: Array<{ run: ChildRun; url: string }>;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  // The workers log at info level: each says which runs it started and which emails it sent.
  workers = await Promise.all([0, 1].map(() => startWorkerProcess(stack, { LOG_LEVEL: "info" })));
  apis = await Promise.all(
    [0, 1].map(async () => {
      const port = await freePort();
      return { run: await startApiProcess(stack, port), url: `http://127.0.0.1:${port}` };
    }),
  );
}, 180_000);

afterAll(async () => {
  await killChildren();
  await stack?.stop();
  await sink?.stop();
});

async function post(url: string, method: string, body: unknown) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { id: string } };
}

test("work is shared between the processes and nothing is done twice", async () => {
  const emails = Array.from({ length: CONTACTS }, (_, index) => `shared-${index}@example.com`);
  const contactIds: string[] = [];
  for (const [index, email] of emails.entries()) {
    // Each contact is created through one API and moved to lead through the other.
    const [first, second] = index % 2 === 0 ? [apis[0], apis[1]] : [apis[1], apis[0]];
    if (!first || !second) throw new Error("two APIs expected");
    const created = await post(`${first.url}/v1/contacts`, "POST", {
      email,
      name: "Sam",
      marketingConsent: true,
    });
    expect(created.status).toBe(201);
    const moved = await post(`${second.url}/v1/contacts/${created.body.id}/stage`, "PUT", { stage: "lead" });
    expect(moved.status).toBe(200);
    contactIds.push(created.body.id);
  }

  for (const email of emails) await sink.waitForMessage((m) => m.envelope.to.includes(email), 90_000);
  await waitUntil(
    async () =>
      (await stack.store.sendLedger.count({ where: { contactId: { in: contactIds }, status: "sent" } })) ===
      CONTACTS,
    30_000,
    "every send recorded",
  );
  await waitUntil(
    async () => (await stack.store.outbox.count({ where: { dispatchedAt: null } })) === 0,
    30_000,
    "every outbox row delivered",
  );

  for (const email of emails) {
    expect(sink.messages().filter((m) => m.envelope.to.includes(email))).toHaveLength(1);
  }
  expect(await stack.store.sendLedger.count({ where: { contactId: { in: contactIds } } })).toBe(CONTACTS);
  expect(await stack.store.enrollment.count({ where: { contactId: { in: contactIds } } })).toBe(CONTACTS);
  // Both workers took part: each started runs or sent email.
  for (const worker of workers) {
    const lines = worker.output().split("\n");
    const share = lines.filter((line) => /"msg":"(sequence run started|email sent)"/.test(line)).length;
    expect(share).toBeGreaterThan(0);
  }
}, 240_000);
