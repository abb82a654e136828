// Issue 10: the dispatcher wakes the moment an outbox row commits (a rule on the table NOTIFYs, the dispatcher
// LISTENs) instead of on its next poll. The poll here is an hour, so before this change the stage
// change below waited an hour for its welcome email; the first pass at start-up is over by then.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { builtIn } from "../support/built-in.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url, env: { OUTBOX_POLL_MS: "3600000" } });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  const worker = await stack.startWorker();
  await worker.dispatcher.whenListening();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

const undelivered = () => stack.store.outbox.count({ where: { dispatchedAt: null } });

describe("outbox dispatcher wake-up", () => {
  test("a committed stage change is delivered without waiting for the hourly poll", async () => {
    const created = await api(stack, "POST", "/v1/contacts", {
      email: "notify@example.com",
      name: "Nora Tify",
      marketingConsent: true,
    });
    expect(created.status).toBe(201);
    // The contact's own row goes first; after it the loops have nothing left and sleep for the hour.
    await waitUntil(async () => (await undelivered()) === 0, 60_000, "contact row delivered");

    const moved = await api(stack, "PUT", `/v1/contacts/${created.body.id}/stage`, { stage: "lead" });
    expect(moved.status).toBe(200);
    const message = await sink.waitForMessage((m) => m.envelope.to.includes("notify@example.com"), 60_000);
    expect(message.subject).toMatch(/welcome/i);
    expect(await undelivered()).toBe(0);
  });
});
