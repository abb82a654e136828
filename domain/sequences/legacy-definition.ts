// The language before v1 (send_email, wait, exit; top-level reEntry; exact-stage goals). Only
// runs of the pre-v1 `sequenceWorkflow` that were started before the upgrade read it: they finish
// on the definition they started with, which their workflow input carries.
import type { LifecycleStage } from "../lifecycle/stages.ts";
import type { ContactChange } from "./contact-change.ts";
import { eventMatchesEntry } from "./triggers.ts";

export type LegacySequenceStep =
  | { id: string; type: "send_email"; template: string; data?: Record<string, unknown> }
  | { id: string; type: "wait"; duration: string }
  | { id: string; type: "exit"; reason?: string };

export type LegacySequenceGoal =
  | { type: "stage_reached"; stage: LifecycleStage }
  | { type: "segment_entered"; segment: string }
  | { type: "event"; eventType: string; sameEntry?: boolean };

export interface LegacySequenceDefinition {
  name: string;
  category: "marketing" | "transactional";
  steps: LegacySequenceStep[];
  goals: LegacySequenceGoal[];
}

export interface LegacySequenceVersionRef {
  key: string;
  version: number;
  definition: LegacySequenceDefinition;
}

/** The pre-v1 meaning of goals (exact stage), kept so those runs behave as they did when started. */
export function legacyGoalReached(
  goals: LegacySequenceGoal[],
  change: ContactChange,
  entryKey: string,
): string | null {
  for (const goal of goals) {
    if (goal.type === "stage_reached" && change.kind === "stage_changed" && change.to === goal.stage) {
      return `goal: stage ${goal.stage} reached`;
    }
    if (goal.type === "segment_entered" && change.kind === "segment_changed" && change.to === goal.segment) {
      return `goal: segment ${goal.segment} entered`;
    }
    if (goal.type === "event" && change.kind === "event" && change.eventType === goal.eventType) {
      if (!goal.sameEntry || eventMatchesEntry(change.properties, entryKey)) return `goal: ${goal.eventType}`;
    }
  }
  return null;
}
