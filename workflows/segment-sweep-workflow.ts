// Sweeps every contact whose segment is due to change with time, batch by batch, as of one instant.
// Progress shows in the Temporal UI (current details) and the worker log; the history stays bounded
// by continuing as new every BATCHES_PER_RUN batches, carrying the cursor and the running totals.
import { continueAsNew, log, proxyActivities, setCurrentDetails, workflowInfo } from "@temporalio/workflow";
import type { SegmentSweepActivities } from "../activities/segments/segment-sweep-activities.ts";

export interface SweepTotals {
  processed: number;
  moved: number;
  movedTo: Record<string, number>;
  batches: number;
}

export interface SegmentSweepInput {
  /** Defaults to the workflow's start time; the same instant holds across continue-as-new. */
  asOf?: string;
  cursor?: string | null;
  batchSize?: number;
  totals?: SweepTotals;
}

export const DEFAULT_SWEEP_BATCH_SIZE = 1_000;
const BATCHES_PER_RUN = 100;

const sweep = proxyActivities<SegmentSweepActivities>({
  startToCloseTimeout: "2 minutes",
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumInterval: "1 minute" },
});

function describeProgress(asOf: string, totals: SweepTotals, done: boolean): string {
  const moves = Object.entries(totals.movedTo)
    .map(([segment, count]) => `${segment} ${count}`)
    .join(", ");
  return (
    `${done ? "done" : "sweeping"} as of ${asOf}: ${totals.processed} contacts in ${totals.batches} batches, ` +
    `${totals.moved} moved${moves ? ` (${moves})` : ""}`
  );
}

export async function segmentSweepWorkflow(input: SegmentSweepInput = {}): Promise<SweepTotals> {
  const asOf = input.asOf ?? new Date().toISOString();
  const batchSize = input.batchSize ?? DEFAULT_SWEEP_BATCH_SIZE;
  const carried = input.totals ?? { processed: 0, moved: 0, movedTo: {}, batches: 0 };
  const totals: SweepTotals = { ...carried, movedTo: { ...carried.movedTo } };
  let cursor = input.cursor ?? null;
  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    const result = await sweep.sweepSegmentBatch({ asOf, afterId: cursor, limit: batchSize });
    totals.processed += result.processed;
    totals.moved += result.moved;
    totals.batches += 1;
    for (const [segment, count] of Object.entries(result.movedTo)) {
      totals.movedTo[segment] = (totals.movedTo[segment] ?? 0) + count;
    }
    const done = result.nextCursor === null;
    setCurrentDetails(describeProgress(asOf, totals, done));
    log.info("segment sweep progress", { asOf, ...totals, cursor: result.nextCursor });
    if (done) return totals;
    cursor = result.nextCursor;
    if (workflowInfo().continueAsNewSuggested) break;
  }
  return continueAsNew<typeof segmentSweepWorkflow>({ asOf, cursor, batchSize, totals });
}
