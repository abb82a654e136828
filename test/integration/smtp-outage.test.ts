// Issue 8, sends under a failing relay. Before: a relay refusing our credentials or connections left
// every run in silent retries (nothing but log lines), an attempt could still be talking to SMTP when
// its retry started, and a send failing for days went out days late once the relay was fixed. Now:
// the relay shows as degraded in /healthz (200) and /metrics at once, nobody is suppressed, every send
// is delivered once after recovery, an aborted attempt has closed its connection, and a marketing send
// past its step's expiry is given up.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { SendAttempt } from "../../activities/email/send-attempt.ts";
import type { SendSequenceEmailInput } from "../../activities/email/sequence-email-activities.ts";
import { createSmtpHealth } from "../../activities/email/smtp-health.ts";
import { createSmtpTransport } from "../../activities/email/smtp-transport.ts";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import type { HealthReport } from "../../api/health.ts";
import { builtIn } from "../support/built-in.ts";
import { directSendActivities } from "../support/direct-send.ts";
import { contactsEnteringLead } from "../support/outbox-rows.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const AUTH = { user: "nurtureflow", pass: "relay-secret" };
let sink: SmtpSink;
let stack: TestStack;

beforeAll(async () => {
  sink = await startSmtpSink({ auth: AUTH });
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

beforeEach(async () => {
  sink.clear();
  await stack.store.serviceHealth.deleteMany();
  await stack.store.smtpFailureCount.deleteMany();
});

/** A log that keeps its lines, to count what an operator would read. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: "info" },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { logger, lines };
}

async function contact(email: string): Promise<string> {
  const id = randomUUID();
  await stack.store.contact.create({ data: { id, email, name: "Ada", marketingConsent: true } });
  return id;
}

const sendInput = (contactId: string, firstDueAt = new Date()): SendSequenceEmailInput => ({
  ledgerKey: `test/${contactId}#send`,
  enrollmentId: `test/${contactId}`,
  stepId: "send",
  contactId,
  templateKey: "welcome",
  templateData: { resourcesUrl: "https://example.com/resources" },
  firstDueAt: firstDueAt.toISOString(),
});

function attemptWith(signal: AbortSignal): SendAttempt {
  return { signal, heartbeat: () => {}, firstScheduledAt: new Date() };
}

async function health() {
  const response = await fetch(`${stack.baseUrl}/healthz`);
  return { status: response.status, body: (await response.json()) as HealthReport };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

describe("one send attempt", () => {
  test("an aborted attempt closes its SMTP exchange before the next attempt sends, which delivers once", async () => {
    const transport = createSmtpTransport({ smtpUrl: sink.url, pool: true, maxConnections: 1 });
    try {
      const contactId = await contact("abort@example.com");
      const held = sink.holdDelivery("abort@example.com");
      const timedOut = new AbortController();
      const first = directSendActivities(stack, transport, {
        attempt: () => attemptWith(timedOut.signal),
      }).sendSequenceEmail(sendInput(contactId));
      await held.arrived;
      timedOut.abort();
      await expect(first).rejects.toMatchObject({ type: "SmtpSendAborted" });
      // The connection is gone: the server never accepted the held message.
      await held.dropped;
      expect(sink.messages()).toHaveLength(0);

      const retry = directSendActivities(stack, transport, {
        attempt: () => attemptWith(new AbortController().signal),
      });
      expect(await retry.sendSequenceEmail(sendInput(contactId))).toMatchObject({ status: "sent" });
      expect(sink.messages().filter((m) => m.envelope.to.includes("abort@example.com"))).toHaveLength(1);
    } finally {
      transport.close();
    }
  });

  test("a refused relay suppresses nobody, says so once, and a marketing send past its expiry is given up", async () => {
    const { logger, lines } = recordingLogger();
    const refused = createSmtpTransport({ smtpUrl: "smtp://127.0.0.1:9", pool: false, maxConnections: 1 });
    const contactId = await contact("refused@example.com");
    const send = (now: Date) =>
      directSendActivities(stack, refused, {
        health: createSmtpHealth(stack.store, logger),
        now: () => now,
      }).sendSequenceEmail(sendInput(contactId, new Date(Date.now() - 60_000)));

    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(send(new Date())).rejects.toMatchObject({ type: "SmtpTransientFailure" });
    }
    expect(await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } })).toMatchObject({
      status: "pending",
      attempts: 3,
    });
    expect(await stack.store.suppression.count()).toBe(0);
    expect(await stack.store.serviceHealth.findUniqueOrThrow({ where: { component: "smtp" } })).toMatchObject(
      {
        status: "degraded",
        failures: 3,
      },
    );
    const errors = lines.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/^SMTP relay failing \(connection: .*ECONNREFUSED/);

    // Three days and a bit later the relay still refuses: the step's expiry (3d) has passed.
    const later = new Date(Date.now() + 3 * 24 * 3_600_000);
    expect(await send(later)).toEqual({
      status: "expired",
      reason: expect.stringContaining("not sent within 3d"),
    });
    expect(await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } })).toMatchObject({
      status: "expired",
      attempts: 3,
    });
    expect(await stack.store.suppression.count()).toBe(0);
    refused.close();
  });
});

describe("a worker sending through a failing relay", () => {
  beforeAll(async () => {
    await stack.startWorker();
  });

  async function expectEachDeliveredOnce(emails: string[]) {
    for (const email of emails) await sink.waitForMessage((m) => m.envelope.to.includes(email), 90_000);
    const ledger = await stack.store.sendLedger.findMany({ where: { toAddress: { in: emails } } });
    await waitUntil(
      async () =>
        (await stack.store.sendLedger.count({ where: { toAddress: { in: emails }, status: "sent" } })) ===
        emails.length,
      30_000,
      "every send marked sent",
    );
    expect(ledger).toHaveLength(emails.length);
    for (const email of emails) {
      expect(sink.messages().filter((m) => m.envelope.to.includes(email))).toHaveLength(1);
    }
    expect(await stack.store.suppression.count()).toBe(0);
  }

  test("535 from the relay: /healthz degraded (200), failures counted, nobody suppressed; delivered once when it accepts again", async () => {
    sink.refuseAuth(true);
    const emails = ["ann-auth@example.com", "ben-auth@example.com"];
    await contactsEnteringLead(stack, emails);
    await waitUntil(async () => (await health()).body.status === "degraded", 30_000, "/healthz degraded");
    const degraded = await health();
    expect(degraded.status).toBe(200);
    expect(degraded.body).toEqual({
      status: "degraded",
      database: "ok",
      degraded: {
        smtp: {
          detail: "auth",
          since: expect.any(String),
          failures: expect.any(Number),
        },
      },
    });
    expect(JSON.stringify(degraded.body)).not.toContain(AUTH.pass);
    expect(await metric('nurtureflow_smtp_failures_total{kind="auth"}')).toBeGreaterThan(0);
    expect(await metric("nurtureflow_smtp_degraded")).toBe(1);
    expect(await stack.store.suppression.count()).toBe(0);
    expect(
      await stack.store.sendLedger.count({ where: { toAddress: { in: emails }, status: "pending" } }),
    ).toBe(emails.length);
    expect(sink.messages()).toHaveLength(0);

    sink.refuseAuth(false);
    await expectEachDeliveredOnce(emails);
    await waitUntil(async () => (await health()).body.status === "ok", 30_000, "/healthz ok again");
    expect(await metric("nurtureflow_smtp_degraded")).toBe(0);
  });

  test("the relay not answering at all for a while: degraded, then every send delivered once", async () => {
    const { port } = sink;
    await sink.stop();
    const emails = ["cat-down@example.com", "dan-down@example.com", "eve-down@example.com"];
    await contactsEnteringLead(stack, emails);
    await waitUntil(async () => (await health()).body.status === "degraded", 30_000, "/healthz degraded");
    expect((await health()).body.degraded?.smtp?.detail).toBe("connection");
    expect(await metric('nurtureflow_smtp_failures_total{kind="connection"}')).toBeGreaterThan(0);
    expect(await stack.store.suppression.count()).toBe(0);

    sink = await startSmtpSink({ auth: AUTH, port });
    await expectEachDeliveredOnce(emails);
    await waitUntil(async () => (await health()).body.status === "ok", 30_000, "/healthz ok again");
  });
});
