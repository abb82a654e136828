// The messages a running sequence accepts. Shared by the workflow and the clients that steer it.
import { defineQuery, defineSignal } from "@temporalio/workflow";
import type { ContactChange } from "../domain/sequences/contact-change.ts";

export const contactChangedSignal = defineSignal<[ContactChange]>("contactChanged");
export const cancelEnrollmentSignal = defineSignal<[string]>("cancelEnrollment");

export interface SequenceRunStatus {
  enrollmentId: string;
  stepIndex: number;
  stepId: string | null;
  state: "running" | "waiting" | "sending" | "completed" | "exited";
  exitReason: string | null;
  emailsSent: number;
}

export const sequenceRunStatusQuery = defineQuery<SequenceRunStatus>("status");
