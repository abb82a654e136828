// Enrollment bookkeeping in the contact store, called by the sequence workflows.
import type { Prisma } from "../generated/prisma/client.ts";
import type { ContactStore } from "../prisma/client.ts";

export interface FinishEnrollmentInput {
  enrollmentId: string;
  status: "completed" | "exited" | "skipped";
  exitReason: string | null;
  /** What the run did, in order (v1 runs); kept for GET /v1/enrollments/:id after the run is gone. */
  steps?: ReadonlyArray<Record<string, unknown>>;
}

export function createEnrollmentActivities(store: ContactStore) {
  return {
    /** Idempotent: a retried call finds the row already finished and leaves it as it is. */
    async finishEnrollment(input: FinishEnrollmentInput): Promise<void> {
      await store.enrollment.updateMany({
        where: { id: input.enrollmentId, status: "running" },
        data: {
          status: input.status,
          exitReason: input.exitReason,
          endedAt: new Date(),
          ...(input.steps ? { steps: input.steps as Prisma.InputJsonValue } : {}),
        },
      });
    },
  };
}

export type EnrollmentActivities = ReturnType<typeof createEnrollmentActivities>;
