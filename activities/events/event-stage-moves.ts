// Lifecycle moves caused by a batch of events: the configured event rules first, in event time
// order, then the score threshold (subscriber or lead → MQL). Each move is one recorded stage change;
// the moves are planned in memory from the locked rows, which the caller writes with the rest.

import type { ContactEvent } from "../../domain/events/event-types.ts";
import { type StageRule, stageMoveForEvent, stageMoveForScore } from "../../domain/lifecycle/stage-rules.ts";
import { isLifecycleStage, type LifecycleStage } from "../../domain/lifecycle/stages.ts";
import { type StageChangeRecord, type StoredStages, stageMove } from "../contacts/stage-change.ts";

export interface StageMoveInputs {
  /** Current stages of every contact the batch touched (their rows are locked). */
  stages: ReadonlyMap<string, StoredStages>;
  events: ReadonlyArray<ContactEvent & { contactId: string }>;
  scores: ReadonlyMap<string, number>;
  rules: readonly StageRule[];
  mqlThreshold: number;
  now: Date;
}

/** The stage changes in the order they happen: a contact's last one leaves its stages. */
export function planStageMoves(inputs: StageMoveInputs): StageChangeRecord[] {
  const current = new Map(inputs.stages);
  const changes: StageChangeRecord[] = [];
  const stageOf = (contactId: string): LifecycleStage | undefined => {
    const stage = current.get(contactId)?.lifecycleStage;
    if (stage === undefined) return undefined;
    return isLifecycleStage(stage) ? stage : "subscriber";
  };
  const move = (
    contactId: string,
    to: LifecycleStage,
    reason: string,
    source: "event" | "scoring",
    at: Date,
  ) => {
    const stored = current.get(contactId) as StoredStages;
    const planned = stageMove(stored, to);
    if (!planned) return;
    changes.push({ contactId, ...planned, to, reason, source, occurredAt: at });
    current.set(contactId, { lifecycleStage: to, highestStage: planned.highestStage });
  };
  const ordered = [...inputs.events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const event of ordered) {
    const stage = stageOf(event.contactId);
    const next = stage && stageMoveForEvent(stage, event, inputs.rules);
    if (next) move(event.contactId, next.to, next.reason, "event", event.occurredAt);
  }
  for (const [contactId, score] of inputs.scores) {
    const stage = stageOf(contactId);
    const next = stage && stageMoveForScore(stage, score, inputs.mqlThreshold);
    if (next) move(contactId, next.to, next.reason, "scoring", inputs.now);
  }
  return changes;
}
