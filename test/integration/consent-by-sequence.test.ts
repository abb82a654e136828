// Issue 8, consent: whether a send is marketing was decided by the template, so any API caller could
// republish a marketing template as `transactional` and mail unsubscribed contacts through it. Now the
// sequence's category decides, a transactional sequence may only send transactional templates, and new
// contacts have no marketing consent unless the caller says so (DEFAULT_MARKETING_CONSENT).
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { MARKETING_TEMPLATE_IN_TRANSACTIONAL_SEQUENCE } from "../../activities/email/sequence-email-activities.ts";
import { createSmtpTransport } from "../../activities/email/smtp-transport.ts";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { createApp } from "../../api/app.ts";
import { parseConfig } from "../../domain/config.ts";
import type { SequenceDefinition } from "../../domain/sequences/definition.ts";
import { directSendActivities } from "../support/direct-send.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let sink: SmtpSink;
let stack: TestStack;
let transport: ReturnType<typeof createSmtpTransport>;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  transport = createSmtpTransport({ smtpUrl: sink.url, pool: false, maxConnections: 1 });
});

afterAll(async () => {
  transport?.close();
  await stack?.stop();
  await sink?.stop();
});

beforeEach(() => sink.clear());

const send = () => directSendActivities(stack, transport).sendSequenceEmail;

const sequence = (category: "marketing" | "transactional", template: string): SequenceDefinition => ({
  key: `${category}-test`,
  name: `${category} test`,
  category,
  trigger: { type: "event", eventType: "custom.test", entryKeyProperty: "id" },
  entry: { reEntry: { mode: "after_exit" } },
  steps: [{ id: "send", type: "send_email", template }],
  goals: [],
});

/** An enrollment of a freshly published sequence for a new, unsubscribed contact. */
async function enrolledUnsubscribed(definition: SequenceDefinition) {
  const key = `consent-${randomUUID().slice(0, 8)}`;
  const { version } = await publishSequenceVersion(stack.store, key, definition);
  const contact = await stack.store.contact.create({
    data: { email: `${key}@example.com`, marketingConsent: false, unsubscribedAt: new Date() },
  });
  const enrollmentId = `seq/${key}/contact/${contact.id}`;
  await stack.store.enrollment.create({
    data: {
      id: enrollmentId,
      sequenceKey: key,
      sequenceVersion: version,
      contactId: contact.id,
      entryKey: "1",
    },
  });
  const step = definition.steps[0] as { template: string };
  return {
    contactId: contact.id,
    input: {
      ledgerKey: `${enrollmentId}#send`,
      enrollmentId,
      stepId: "send",
      contactId: contact.id,
      templateKey: step.template,
      templateData: { order: { id: "A-1", total: "$1.00", items: [] } },
    },
  };
}

const MJML = `<mjml><mj-body><mj-section><mj-column><mj-text>Big sale, {{contact.firstName}}!</mj-text></mj-column></mj-section></mj-body></mjml>`;

describe("the sequence decides what is marketing", () => {
  test("a marketing template republished as transactional does not reach unsubscribed contacts", async () => {
    // Any caller with template access flips the category; before, the send then skipped every consent check.
    const created = await api(stack, "POST", "/v1/templates", {
      key: "flash-sale",
      subject: "Flash sale",
      mjml: MJML,
      category: "transactional",
    });
    expect(created.status).toBe(201);
    const { input } = await enrolledUnsubscribed(sequence("marketing", "flash-sale"));
    expect(await send()(input)).toEqual({ status: "suppressed", reason: "no marketing consent" });
    expect(sink.messages()).toHaveLength(0);
  });

  test("a transactional sequence refuses a marketing template before writing anything", async () => {
    const { input, contactId } = await enrolledUnsubscribed(sequence("transactional", "welcome"));
    expect(await send()(input)).toEqual({
      status: "skipped",
      reason: MARKETING_TEMPLATE_IN_TRANSACTIONAL_SEQUENCE,
    });
    expect(await stack.store.sendLedger.count({ where: { contactId } })).toBe(0);
    expect(sink.messages()).toHaveLength(0);
  });

  test("a transactional sequence with a transactional template reaches an unsubscribed contact", async () => {
    const { input } = await enrolledUnsubscribed(sequence("transactional", "post-purchase-thanks"));
    expect((await send()(input)).status).toBe("sent");
    expect(sink.messages()).toHaveLength(1);
    // Transactional mail carries no List-Unsubscribe.
    expect(sink.messages()[0]?.headers.get("list-unsubscribe")).toBeUndefined();
  });
});

describe("consent of new contacts", () => {
  test("false unless the caller says so, on POST /v1/contacts and on the events API", async () => {
    const plain = await api(stack, "POST", "/v1/contacts", { email: "plain@example.com" });
    expect(plain.body.marketingConsent).toBe(false);
    const given = await api(stack, "POST", "/v1/contacts", {
      email: "given@example.com",
      marketingConsent: true,
    });
    expect(given.body.marketingConsent).toBe(true);

    const events = await api(stack, "POST", "/v1/events", {
      events: [
        {
          type: "form_submitted",
          contact: { email: "ev-plain@example.com" },
          occurredAt: "2026-11-23T10:00:00Z",
          idempotencyKey: "c-1",
        },
        {
          type: "form_submitted",
          contact: { email: "ev-given@example.com", marketingConsent: true },
          occurredAt: "2026-11-23T10:00:00Z",
          idempotencyKey: "c-2",
        },
      ],
    });
    expect(events.status).toBe(200);
    const consent = async (email: string) =>
      (await stack.store.contact.findUniqueOrThrow({ where: { email } })).marketingConsent;
    expect(await consent("ev-plain@example.com")).toBe(false);
    expect(await consent("ev-given@example.com")).toBe(true);
  });

  test("DEFAULT_MARKETING_CONSENT=true changes the default, and is the only way to", async () => {
    const config = parseConfig({ DATABASE_URL: stack.config.databaseUrl, DEFAULT_MARKETING_CONSENT: "true" });
    const server: Server = await new Promise((resolve) => {
      const listening = createApp({ config, store: stack.store, logger: pino({ level: "silent" }) }).listen(
        0,
        "127.0.0.1",
        () => resolve(listening),
      );
    });
    try {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const response = await fetch(`http://127.0.0.1:${port}/v1/contacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "opted-by-default@example.com" }),
      });
      expect(((await response.json()) as { marketingConsent: boolean }).marketingConsent).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(() => parseConfig({ DEFAULT_MARKETING_CONSENT: "yes" })).toThrow(/DEFAULT_MARKETING_CONSENT/);
  });
});
