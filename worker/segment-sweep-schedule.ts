// The Temporal Schedule that runs the segment sweep: created at worker start, updated when the
// configured interval changes, deleted when the sweep is turned off. One per task queue.
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from "@temporalio/client";
import type { Duration } from "@temporalio/common";
import type { segmentSweepWorkflow } from "../workflows/segment-sweep-workflow.ts";

export const segmentSweepScheduleId = (taskQueue: string) => `segment-sweep/${taskQueue}`;

export async function ensureSegmentSweepSchedule(
  client: Client,
  taskQueue: string,
  interval: string | null,
): Promise<void> {
  const scheduleId = segmentSweepScheduleId(taskQueue);
  if (interval === null) {
    try {
      await client.schedule.getHandle(scheduleId).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
    return;
  }
  const spec = { intervals: [{ every: interval as Duration }] };
  const action = {
    type: "startWorkflow" as const,
    workflowType: "segmentSweepWorkflow",
    taskQueue,
    workflowId: `segment-sweep/${taskQueue}`,
    args: [{}] as Parameters<typeof segmentSweepWorkflow>,
    staticSummary: "Segment sweep: time-driven segment moves (active → at_risk → lost)",
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // A sweep still running when the next one is due simply makes that one unnecessary.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: "1 minute" },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
