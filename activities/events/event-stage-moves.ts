// Lifecycle moves caused by a batch of events: the configured event rules first, in event time
// order, then the score threshold (subscriber or lead → MQL). Each move is one recorded stage change.

import type { ContactEvent } from "../../domain/events/event-types.ts";
import { type StageRule, stageMoveForEvent, stageMoveForScore } from "../../domain/lifecycle/stage-rules.ts";
import { isLifecycleStage, type LifecycleStage } from "../../domain/lifecycle/stages.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { changeStageInTransaction } from "../contacts/stage-change.ts";

export interface StageMoveInputs {
  /** Current stage of every contact the batch touched (their rows are locked). */
  stages: ReadonlyMap<string, string>;
  events: ReadonlyArray<ContactEvent & { contactId: string }>;
  scores: ReadonlyMap<string, number>;
  rules: readonly StageRule[];
  mqlThreshold: number;
}

/** Returns how many stage changes were written. */
export async function applyStageMoves(
  tx: Prisma.TransactionClient,
  inputs: StageMoveInputs,
): Promise<number> {
  const current = new Map<string, LifecycleStage>();
  for (const [contactId, stage] of inputs.stages) {
    current.set(contactId, isLifecycleStage(stage) ? stage : "subscriber");
  }
  let changes = 0;
  const move = async (
    contactId: string,
    to: LifecycleStage,
    reason: string,
    source: "event" | "scoring",
    at?: Date,
  ) => {
    const outcome = await changeStageInTransaction(tx, { contactId, to, reason, source, occurredAt: at });
    if (outcome.changed) changes += 1;
    current.set(contactId, to);
  };
  const ordered = [...inputs.events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const event of ordered) {
    const stage = current.get(event.contactId);
    const next = stage && stageMoveForEvent(stage, event, inputs.rules);
    if (next) await move(event.contactId, next.to, next.reason, "event", event.occurredAt);
  }
  for (const [contactId, score] of inputs.scores) {
    const stage = current.get(contactId);
    const next = stage && stageMoveForScore(stage, score, inputs.mqlThreshold);
    if (next) await move(contactId, next.to, next.reason, "scoring");
  }
  return changes;
}
