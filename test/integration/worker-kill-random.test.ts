// Issue 8, a worker SIGKILLed at random points of a multi-step program, several times over: every
// email of every contact goes out, each under one Message-ID, and no step's email is sent twice except
// in SMTP's own window (the relay accepted it, the worker died before recording that), where the
// retry resends the same message with the same Message-ID, so a mailbox shows it once. Each kill can
// open that window at most once. The kill moments are drawn from a seeded generator (the seed is
// printed) so a failure can be replayed.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { seededRandom } from "../../domain/random/seeded-random.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { type ChildRun, killChildren, startWorkerProcess } from "../support/child-processes.ts";
import { contactsEnteringLead } from "../support/outbox-rows.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle, waitUntil } from "../support/wait.ts";

const KILLS = 4;
const STEPS = ["first", "second", "third", "fourth"];
const EMAILS = ["kai", "lea", "max"].map((name) => `${name}-kill@example.com`);

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "drip", {
    key: "drip",
    name: "Four emails a second apart",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "never" } },
    steps: STEPS.flatMap((id, index) => [
      ...(index > 0 ? [{ id: `pause-${id}`, type: "wait" as const, duration: "1s" }] : []),
      { id, type: "send_email" as const, template: "welcome" },
    ]),
    goals: [],
  });
  temporal = await stack.temporal();
});

afterAll(async () => {
  await killChildren();
  await stack?.stop();
  await sink?.stop();
});

test(`${KILLS} SIGKILLs at random moments of a four-email program: every email once per Message-ID`, async () => {
  const seed = Number(process.env.KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`worker-kill-random: KILL_SEED=${seed}`);
  const random = seededRandom(seed);

  let worker: ChildRun = await startWorkerProcess(stack);
  const contactIds = await contactsEnteringLead(stack, EMAILS);
  for (let kill = 0; kill < KILLS; kill++) {
    // Anywhere from before the first send to the middle of the program.
    await settle(200 + Math.floor(random() * 3_500));
    await worker.kill();
    const sent = await stack.store.sendLedger.count({ where: { status: "sent" } });
    console.log(`worker-kill-random: kill ${kill + 1} with ${sent} of ${EMAILS.length * STEPS.length} sent`);
    worker = await startWorkerProcess(stack);
  }

  const handles = contactIds.map((id) =>
    temporal.workflow.getHandle(sequenceWorkflowId("drip", id, "stage/lead")),
  );
  for (const handle of handles) {
    await waitUntil(
      async () => (await handle.describe().catch(() => null))?.status.name === "COMPLETED",
      180_000,
      `${handle.workflowId} completed`,
    );
    expect(await handle.result()).toMatchObject({ state: "completed", emailsSent: STEPS.length });
  }

  const ledger = await stack.store.sendLedger.findMany({ where: { contactId: { in: contactIds } } });
  expect(ledger).toHaveLength(EMAILS.length * STEPS.length);
  expect(ledger.every((row) => row.status === "sent")).toBe(true);
  expect(new Set(ledger.map((row) => row.stepId)).size).toBe(STEPS.length);
  expect(await stack.store.enrollment.count({ where: { contactId: { in: contactIds } } })).toBe(
    EMAILS.length,
  );

  const delivered = sink.messages().filter((m) => EMAILS.some((email) => m.envelope.to.includes(email)));
  const messageIds = new Set(delivered.map((m) => m.messageId));
  expect([...messageIds].sort()).toEqual(ledger.map((row) => row.messageId).sort());
  // Beyond one delivery per Message-ID: only SMTP's accepted-but-not-recorded window, once per kill.
  expect(delivered.length - messageIds.size).toBeLessThanOrEqual(KILLS);
}, 400_000);
