// The messages a running sequence accepts. Shared by the workflow and the clients that steer it.
import { defineQuery, defineSignal } from "@temporalio/workflow";
import type { ContactChange } from "../domain/sequences/contact-change.ts";
import type { JournalEntry } from "../domain/sequences/interpreter.ts";

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

/** The sequence was paused, resumed ("active") or archived: sent by the API to the runs of that sequence. */
export const sequenceStatusSignal = defineSignal<["active" | "paused" | "archived"]>("sequenceStatus");

/** A v1 run as operators and the enrollments API see it (sequenceRunWorkflow). */
export interface SequenceRunView {
  enrollmentId: string;
  version: number;
  /** deferred: a send the sending rules held back, tried again at `next.at`. */
  state: "running" | "waiting" | "deferred" | "paused" | "completed" | "exited" | "skipped";
  stepId: string | null;
  exitReason: string | null;
  emailsSent: number;
  /** The next action and, for a wait, when it is due. */
  next: { action: string; at: string | null } | null;
  journal: JournalEntry[];
}

export const sequenceRunViewQuery = defineQuery<SequenceRunView>("run");
