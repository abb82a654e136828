// Goals end a run at once, even in the middle of a wait; a marketing run ends on unsubscribe.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { recordHistory } from "../support/history-recorder.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "lead-nurture-test", {
    key: "lead-nurture-test",
    name: "Lead nurture with a long wait",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "wait-a-while", type: "wait", duration: "1h" },
      { id: "send-ebook", type: "send_email", template: "nurture-lead" },
    ],
    goals: [{ type: "stage_reached", stage: "mql" }],
  });
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

describe("sequence goals", () => {
  test("reaching the goal stage ends a run in the middle of its one-hour wait, without an email", async () => {
    const contact = await api(stack, "POST", "/v1/contacts", {
      email: "goal@example.com",
      name: "Goal Reacher",
    });
    const contactId = contact.body.id;
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    const workflowId = sequenceWorkflowId("lead-nurture-test", contactId, "stage/lead");
    const handle = temporal.workflow.getHandle(workflowId);

    await settle(1_000);
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" });
    const result = await handle.result();
    expect(result).toMatchObject({ state: "exited", exitReason: "goal: stage mql reached", emailsSent: 0 });
    expect(sink.messages()).toHaveLength(0);
    const enrollment = await stack.store.enrollment.findFirstOrThrow({ where: { contactId } });
    expect(enrollment).toMatchObject({ status: "exited", exitReason: "goal: stage mql reached" });
    recordHistory(workflowId, "lead-nurture-goal-mid-wait");
  });
});
