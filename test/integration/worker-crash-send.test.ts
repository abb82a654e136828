// The send ledger's promise under a crash: a worker killed after the ledger row is written but before
// the SMTP server accepted the message neither loses nor duplicates the email once a worker runs again.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { builtIn } from "../support/built-in.ts";
import { killChildren, startWorkerProcess } from "../support/child-processes.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle, waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  temporal = await stack.temporal();
});

afterAll(async () => {
  await killChildren();
  await stack?.stop();
  await sink?.stop();
});

test("a worker killed between 'ledger written' and 'sent' neither loses nor duplicates the email", async () => {
  const first = await startWorkerProcess(stack);
  const held = sink.holdDelivery("kim@example.com");
  const created = await api(stack, "POST", "/v1/contacts", {
    email: "kim@example.com",
    name: "Kim Crash",
    marketingConsent: true,
  });
  const contactId: string = created.body.id;
  await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });

  // The message is on the wire and the server has not answered: the ledger row exists, still pending.
  await held.arrived;
  const pending = await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } });
  expect(pending).toMatchObject({ status: "pending", attempts: 1 });

  await first.kill();
  await held.dropped; // the connection died with the worker: the server discards the message
  expect(sink.messages()).toHaveLength(0);

  await startWorkerProcess(stack);
  const delivered = await sink.waitForMessage((m) => m.envelope.to.includes("kim@example.com"), 45_000);
  expect(delivered.messageId).toBe(pending.messageId);
  await waitUntil(
    async () => (await stack.store.sendLedger.count({ where: { contactId, status: "sent" } })) === 1,
  );
  const handle = temporal.workflow.getHandle(sequenceWorkflowId("welcome", contactId, "stage/lead"));
  expect(await handle.result()).toMatchObject({ state: "completed", emailsSent: 1 });
  await settle(2_000);

  expect(sink.messages().filter((m) => m.envelope.to.includes("kim@example.com"))).toHaveLength(1);
  const ledger = await stack.store.sendLedger.findMany({ where: { contactId } });
  expect(ledger).toHaveLength(1);
  expect(ledger[0]).toMatchObject({ status: "sent", attempts: 2, messageId: pending.messageId });
  expect(sink.attempts("kim@example.com")).toBe(2);
});
