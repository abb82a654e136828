// The send ledger's promise under a crash: a worker killed after the ledger row is written but before
// the SMTP server accepted the message neither loses nor duplicates the email once a worker runs again.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { builtIn } from "../support/built-in.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle, waitUntil } from "../support/wait.ts";

const WORKER_ENTRY = fileURLToPath(new URL("../support/worker-process.ts", import.meta.url));

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  temporal = await stack.temporal();
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await stack?.stop();
  await sink?.stop();
});

/** Starts a worker process with the stack's configuration and resolves once it polls. */
function startWorkerProcess(): Promise<ChildProcess> {
  const { config } = stack;
  // node itself with tsx's loader, not the tsx CLI: that would run the worker in a grandchild process,
  // which a SIGKILL of its parent leaves running.
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_ENTRY], {
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporalAddress,
      TEMPORAL_TASK_QUEUE: config.taskQueue,
      TEMPORAL_EMAIL_TASK_QUEUE: config.emailTaskQueue,
      SMTP_URL: config.smtpUrl,
      PUBLIC_URL: config.publicUrl,
      OUTBOX_POLL_MS: String(config.outboxPollMs),
      SEGMENT_SWEEP_INTERVAL: "off",
      LOG_LEVEL: "warn",
      WORKFLOW_BUNDLE_PATH: inject("workflowBundlePath"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("worker ready")) resolve(child);
    });
  });
}

test("a worker killed between 'ledger written' and 'sent' neither loses nor duplicates the email", async () => {
  const first = await startWorkerProcess();
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

  first.kill("SIGKILL");
  await held.dropped; // the connection died with the worker: the server discards the message
  expect(sink.messages()).toHaveLength(0);

  await startWorkerProcess();
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
