// Issue 10: operators see trigger-to-send latency on /metrics: once a welcome email went out, the
// histogram has counted it (and only it), from its stage change to the SMTP acceptance.
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
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

async function histogram(): Promise<{ count: number; sum: number; infBucket: number }> {
  const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    count: value(/^nurtureflow_trigger_to_send_seconds_count (\S+)$/m),
    sum: value(/^nurtureflow_trigger_to_send_seconds_sum (\S+)$/m),
    infBucket: value(/^nurtureflow_trigger_to_send_seconds_bucket\{le="\+Inf"\} (\S+)$/m),
  };
}

describe("trigger-to-send latency metric", () => {
  test("counts the first email of a run once it was sent", async () => {
    expect((await histogram()).count).toBe(0);
    const created = await api(stack, "POST", "/v1/contacts", {
      email: "metric@example.com",
      name: "Mae Trick",
      marketingConsent: true,
    });
    expect(created.status).toBe(201);
    const moved = await api(stack, "PUT", `/v1/contacts/${created.body.id}/stage`, { stage: "lead" });
    expect(moved.status).toBe(200);
    await sink.waitForMessage((m) => m.envelope.to.includes("metric@example.com"), 60_000);
    await waitUntil(
      async () =>
        (await stack.store.sendLedger.count({ where: { contactId: created.body.id, status: "sent" } })) === 1,
      30_000,
      "ledger marked sent",
    );

    await waitUntil(async () => (await histogram()).count > 0, 30_000, "histogram counted the send");
    const after = await histogram();
    expect(after.count).toBe(1);
    expect(after.infBucket).toBe(1);
    expect(after.sum).toBeGreaterThan(0);
  });
});
