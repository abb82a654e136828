// The sequence definition language: what a marketer publishes and the sequence workflow interprets.
// Plain data (JSON in the store, workflow input in Temporal); validated in api/ before it is saved.
import type { LifecycleStage } from "../lifecycle/stages.ts";

export type SequenceTrigger =
  | { type: "stage_entered"; stage: LifecycleStage }
  | { type: "stage_left"; stage: LifecycleStage }
  | { type: "segment_entered"; segment: string }
  | { type: "segment_left"; segment: string }
  /** entryKeyProperty names the event property that identifies the entry, e.g. cartId. */
  | { type: "event"; eventType: string; entryKeyProperty?: string };

export type ReEntryPolicy =
  | { mode: "never" }
  | { mode: "after_exit" }
  | { mode: "cooldown"; cooldown: string };

export type SequenceStep =
  /** data: content the template shows (e-book link, webinar, incentive), fixed per sequence version. */
  | { id: string; type: "send_email"; template: string; data?: Record<string, unknown> }
  | { id: string; type: "wait"; duration: string }
  | { id: string; type: "exit"; reason?: string };

/** A goal ends a run at once, even in the middle of a wait. */
export type SequenceGoal =
  | { type: "stage_reached"; stage: LifecycleStage }
  | { type: "segment_entered"; segment: string }
  /** sameEntry: only an event carrying the run's own entry key (e.g. the same cart id) counts. */
  | { type: "event"; eventType: string; sameEntry?: boolean };

export type SequenceCategory = "marketing" | "transactional";

export interface SequenceDefinition {
  name: string;
  category: SequenceCategory;
  trigger: SequenceTrigger;
  reEntry: ReEntryPolicy;
  steps: SequenceStep[];
  goals: SequenceGoal[];
}

/** A published, immutable version of a sequence. */
export interface SequenceVersionRef {
  key: string;
  version: number;
  definition: SequenceDefinition;
}
