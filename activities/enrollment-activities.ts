// Enrollment bookkeeping in the contact store, called by the sequence workflows.
import type { Prisma } from "../generated/prisma/client.ts";
import type { ContactStore } from "../prisma/client.ts";
import { refreshSegments } from "./segments/contact-segments.ts";
import { loadRuleSettings } from "./settings/rule-settings.ts";

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
      await store.$transaction(async (tx) => {
        const finished = await tx.enrollment.updateManyAndReturn({
          where: { id: input.enrollmentId, status: "running" },
          data: {
            status: input.status,
            exitReason: input.exitReason,
            endedAt: new Date(),
            ...(input.steps ? { steps: input.steps as Prisma.InputJsonValue } : {}),
          },
          select: { contactId: true },
        });
        // A win-back that ran to its end unanswered makes the contact lost (classify-segment.ts).
        const [run] = finished;
        if (input.status !== "completed" || !run) return;
        await tx.$executeRaw`SELECT 1 FROM "Contact" WHERE id = ${run.contactId}::uuid FOR UPDATE`;
        const { segments } = await loadRuleSettings(tx);
        await refreshSegments(tx, [run.contactId], new Date(), segments);
      });
    },
  };
}

export type EnrollmentActivities = ReturnType<typeof createEnrollmentActivities>;
