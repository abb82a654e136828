// A run told of 3,000 contact changes during a long wait continues as new before its history passes
// the bound and still ends right: the goal reached after the signals ends it, without the email. The
// worker runs in its own process, so the storm of signals from this process cannot disturb it.
import { expect, test } from "vitest";
import { HISTORY_BOUND } from "../../workflows/sequence-run-workflow.ts";
import { contactChangedSignal } from "../../workflows/sequence-signals.ts";
import { defineAndActivate, marketingContact, startedRun, useRunStack } from "../support/sequence-runs.ts";
import { api } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const SIGNALS = 3_000;
const BATCH = 100;
/** Signals in flight at once within a batch. */
const CONCURRENT = 25;

const env = useRunStack({ workerProcess: true });

test(`a run signalled ${SIGNALS} times during a wait continues as new and a goal after the signals still ends it`, async () => {
  await defineAndActivate(env.stack, {
    key: "storm",
    name: "Storm",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "opportunity" },
    goals: [{ type: "stage_reached", stage: "customer" }],
    steps: [
      { id: "long-wait", type: "wait", duration: "1h" },
      { id: "after", type: "send_email", template: "nurture-opportunity" },
    ],
  } as { key: string });
  const email = "storm@example.com";
  const contactId = await marketingContact(env.stack, email);
  await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "opportunity" });
  const run = await startedRun(env.temporal, "storm", contactId, "stage/opportunity");
  // Idle in its wait: no activity (the contact re-check when the wait began) and no workflow task
  // pending, so every signal so far has been handled and the next ones land in the wait.
  const idleInWait = () =>
    waitUntil(
      async () => {
        const { raw, status } = await run.describe();
        return (
          status.name === "RUNNING" &&
          Number(raw.workflowExecutionInfo?.historyLength ?? 0) > 3 &&
          (raw.pendingActivities ?? []).length === 0 &&
          !raw.pendingWorkflowTask
        );
      },
      60_000,
      "the run idle in its wait",
    );
  await idleInWait();
  const firstRunId = (await run.describe()).runId;

  // In batches, each sent at once and handled before the next: Temporal refuses to close a run
  // (continue-as-new included) while signals it has not handled keep arriving, so a run needs a gap
  // between signals to continue as new; a contact's changes come far slower than this in practice.
  for (let batch = 0; batch < SIGNALS / BATCH; batch++) {
    let next = batch * BATCH;
    const end = next + BATCH;
    const signalNext = async (): Promise<void> => {
      while (next < end) {
        const n = next++;
        await run.signal(contactChangedSignal, {
          kind: "event",
          eventType: "page_view",
          properties: { n },
          occurredAt: new Date().toISOString(),
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, signalNext));
    await idleInWait();
  }

  // Every signal handled and the run still waits: now the contact reaches the goal.
  await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "customer" });
  const result = await run.result();
  expect(result).toMatchObject({
    state: "exited",
    exitReason: "goal: stage customer reached",
    emailsSent: 0,
  });
  // One wait, begun once: continue-as-new carried the run's position instead of starting it over.
  expect(result.journal.map((entry: any) => `${entry.stepId ?? entry.type}:${entry.outcome}`)).toEqual([
    "long-wait:waiting",
    "goal:exited",
  ]);

  // The chain of runs, read backwards from the one that finished: each history starts by naming the
  // run it continues, up to the run the dispatcher started.
  const lengths: number[] = [];
  const chain: string[] = [];
  for (let runId: string | null | undefined = (await run.describe()).runId; runId; ) {
    const history: { events?: any[] | null } = await env.temporal.workflow
      .getHandle(run.workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    chain.unshift(runId);
    lengths.unshift(events.length);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || null;
  }
  expect(chain[0]).toBe(firstRunId);
  // Each run stops at the first wake-up past the bound; the signals of that one batch overshoot it.
  expect(lengths.length, `history lengths ${lengths.join(", ")}`).toBeGreaterThanOrEqual(
    Math.floor(SIGNALS / HISTORY_BOUND),
  );
  for (const length of lengths) expect(length).toBeLessThan(HISTORY_BOUND * 1.5);

  const enrollments = await api(env.stack, "GET", `/v1/enrollments?contactId=${contactId}&sequence=storm`);
  expect(enrollments.body.enrollments).toEqual([
    expect.objectContaining({ status: "exited", exitReason: "goal: stage customer reached" }),
  ]);
  expect(env.sink.messages().filter((m) => m.envelope.to.includes(email))).toHaveLength(0);
}, 600_000);
