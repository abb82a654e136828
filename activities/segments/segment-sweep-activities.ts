// The activity behind the segment sweep workflow: one batch of contacts whose segment is due to move
// with time (active → at_risk → lost, waiting → lead, hero → repeat), in its own transaction.
import { log } from "@temporalio/activity";
import type { ContactStore } from "../../prisma/client.ts";
import { loadRuleSettings } from "../settings/rule-settings.ts";
import { sweepDueSegments } from "./contact-segments.ts";

export interface SweepBatchInput {
  /** The sweep's reference time (ISO 8601): the same for every batch of one sweep. */
  asOf: string;
  afterId: string | null;
  limit: number;
}

export interface SweepBatchResult {
  processed: number;
  moved: number;
  /** Moves by segment entered, for the sweep's progress details. */
  movedTo: Record<string, number>;
  nextCursor: string | null;
}

export function createSegmentSweepActivities(store: ContactStore) {
  return {
    async sweepSegmentBatch(input: SweepBatchInput): Promise<SweepBatchResult> {
      const { segments } = await loadRuleSettings(store);
      const batch = await store.$transaction(
        (tx) => sweepDueSegments(tx, new Date(input.asOf), input.afterId, input.limit, segments),
        { maxWait: 10_000, timeout: 60_000 },
      );
      const movedTo: Record<string, number> = {};
      for (const move of batch.moves) movedTo[move.to] = (movedTo[move.to] ?? 0) + 1;
      log.debug("segment sweep batch", { processed: batch.processed, moved: batch.moves.length });
      return { processed: batch.processed, moved: batch.moves.length, movedTo, nextCursor: batch.nextCursor };
    },
  };
}

export type SegmentSweepActivities = ReturnType<typeof createSegmentSweepActivities>;
