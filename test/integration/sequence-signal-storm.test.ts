// A run told of 3,000 contact changes during a long wait continues as new before its history passes
// the bound and still ends right: the goal reached after the storm ends it, without the email. The
// worker runs in its own process, so the storm of signals from this process cannot disturb it.
import { expect, test } from "vitest";
import { HISTORY_BOUND } from "../../workflows/sequence-run-workflow.ts";
import { contactChangedSignal } from "../../workflows/sequence-signals.ts";
import { defineAndActivate, marketingContact, startedRun, useRunStack } from "../support/sequence-runs.ts";
import { api } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const SIGNALS = 3_000;
/** Signals in flight at once: enough to make a storm, few enough for a shared 2-core machine. */
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
  const firstRunId = (await run.describe()).runId;

  let sent = 0;
  const signalNext = async (): Promise<void> => {
    while (sent < SIGNALS) {
      const n = sent++;
      await run.signal(contactChangedSignal, {
        kind: "event",
        eventType: "page_view",
        properties: { n },
        occurredAt: new Date().toISOString(),
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT }, signalNext));

  // The storm is over and the run still waits; now the contact reaches the goal.
  await waitUntil(
    async () => (await run.describe()).status.name === "RUNNING",
    30_000,
    "the run still running",
  );
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

  // The chain of runs, read from each history's end: continued as new, then the one that finished.
  const lengths: number[] = [];
  for (let runId: string | null | undefined = firstRunId; runId; ) {
    const history: { events?: any[] | null } = await env.temporal.workflow
      .getHandle(run.workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  // Each run stops at the first wake-up past the bound; the signals of that one workflow task overshoot it.
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
