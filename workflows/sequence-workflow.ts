// The pre-v1 sequence engine, kept registered so runs started before the v1 language finish as they
// began (and their recorded histories replay). New runs are sequenceRunWorkflow (sequence-run-workflow.ts).
import {
  ActivityFailure,
  type ActivityOptions,
  condition,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from "@temporalio/workflow";
import type { SequenceEmailActivities } from "../activities/email/sequence-email-activities.ts";
import type { EnrollmentActivities } from "../activities/enrollment-activities.ts";
import type { ContactChange } from "../domain/sequences/contact-change.ts";
import { durationMs } from "../domain/sequences/duration.ts";
import { entryTemplateData } from "../domain/sequences/entry-data.ts";
import { type LegacySequenceVersionRef, legacyGoalReached } from "../domain/sequences/legacy-definition.ts";

import { sendLedgerKey } from "../domain/sequences/workflow-ids.ts";
import { NfNextActionAt, NfStatus } from "./search-attributes.ts";
import {
  cancelEnrollmentSignal,
  contactChangedSignal,
  type SequenceRunStatus,
  sequenceRunStatusQuery,
} from "./sequence-signals.ts";

export interface SequenceRunInput {
  enrollmentId: string;
  contactId: string;
  entryKey: string;
  sequence: LegacySequenceVersionRef;
  emailTaskQueue: string;
  trigger: ContactChange;
}

const enrollments = proxyActivities<EnrollmentActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumInterval: "1 minute" },
});

export async function sequenceWorkflow(input: SequenceRunInput): Promise<SequenceRunStatus> {
  const { definition } = input.sequence;
  const emailOptions: ActivityOptions = {
    taskQueue: input.emailTaskQueue,
    startToCloseTimeout: "1 minute",
    // The send heartbeats while it talks to SMTP: an attempt on a worker that died is retried after
    // seconds, not after the full minute.
    heartbeatTimeout: "10 seconds",
    // SMTP 4xx and connection failures are retried with backoff; 5xx are handled inside the activity.
    retry: { initialInterval: "2 seconds", backoffCoefficient: 2, maximumInterval: "5 minutes" },
  };

  const status: SequenceRunStatus = {
    enrollmentId: input.enrollmentId,
    stepIndex: 0,
    stepId: null,
    state: "running",
    exitReason: null,
    emailsSent: 0,
  };
  const exit = (reason: string) => {
    status.exitReason ??= reason;
  };

  setHandler(contactChangedSignal, (change) => {
    if (change.kind === "unsubscribed" && definition.category === "marketing") exit("unsubscribed");
    const goal = legacyGoalReached(definition.goals, change, input.entryKey);
    if (goal) exit(goal);
  });
  setHandler(cancelEnrollmentSignal, (reason) => exit(`cancelled: ${reason}`));
  setHandler(sequenceRunStatusQuery, () => status);

  for (const [index, step] of definition.steps.entries()) {
    if (status.exitReason) break;
    // The one-line summary operators read per step in the Temporal UI (timer and activity metadata).
    const stepLabel = `step ${index + 1}/${definition.steps.length} "${step.id}"`;
    status.stepIndex = index;
    status.stepId = step.id;
    if (step.type === "wait") {
      const ms = durationMs(step.duration);
      status.state = "waiting";
      upsertSearchAttributes([
        { key: NfStatus, value: "waiting" },
        { key: NfNextActionAt, value: new Date(Date.now() + ms) },
      ]);
      setCurrentDetails(`${stepLabel}: waiting ${step.duration}`);
      // Wakes early when a goal, an unsubscribe or a cancellation ends the run.
      await condition(() => status.exitReason !== null, ms, {
        summary: `${stepLabel}: wait ${step.duration}`,
      });
    } else if (step.type === "send_email") {
      status.state = "sending";
      upsertSearchAttributes([
        { key: NfStatus, value: "sending" },
        { key: NfNextActionAt, value: null },
      ]);
      setCurrentDetails(`${stepLabel}: sending ${step.template}`);
      const email = proxyActivities<SequenceEmailActivities>({
        ...emailOptions,
        summary: `${stepLabel}: send ${step.template}`,
      });
      try {
        const outcome = await email.sendSequenceEmail({
          ledgerKey: sendLedgerKey(input.enrollmentId, step.id),
          enrollmentId: input.enrollmentId,
          stepId: step.id,
          contactId: input.contactId,
          templateKey: step.template,
          templateData: { ...step.data, ...entryTemplateData(input.trigger) },
        });
        if (outcome.status === "sent" || outcome.status === "already_sent") status.emailsSent += 1;
        else if (outcome.status === "bounced") exit("hard bounce");
        log.info("sequence email step finished", { step: step.id, outcome: outcome.status });
      } catch (error) {
        // Only non-retryable failures (an unknown template) reach here: end the run, recorded, not failed.
        if (!(error instanceof ActivityFailure)) throw error;
        exit(`step ${step.id} failed: ${error.cause?.message ?? error.message}`);
      }
    } else {
      exit(step.reason ?? `exit step ${step.id}`);
    }
  }

  status.state = status.exitReason ? "exited" : "completed";
  upsertSearchAttributes([
    { key: NfStatus, value: status.state },
    { key: NfNextActionAt, value: null },
  ]);
  setCurrentDetails(status.exitReason ? `exited: ${status.exitReason}` : "completed");
  await enrollments.finishEnrollment({
    enrollmentId: input.enrollmentId,
    status: status.state,
    exitReason: status.exitReason,
  });
  return status;
}
