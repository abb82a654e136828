// Enrollment bookkeeping in the contact store, called by the sequence workflow.
import type { ContactStore } from "../prisma/client.ts";

export interface FinishEnrollmentInput {
  enrollmentId: string;
  status: "completed" | "exited";
  exitReason: string | null;
}

export function createEnrollmentActivities(store: ContactStore) {
  return {
    /** Idempotent: a retried call finds the row already finished and leaves it as it is. */
    async finishEnrollment(input: FinishEnrollmentInput): Promise<void> {
      await store.enrollment.updateMany({
        where: { id: input.enrollmentId, status: "running" },
        data: { status: input.status, exitReason: input.exitReason, endedAt: new Date() },
      });
    },
  };
}

export type EnrollmentActivities = ReturnType<typeof createEnrollmentActivities>;
