// Enrollment bookkeeping in the contact store, called by the sequence workflows.
import type { Prisma } from "../generated/prisma/client.ts";
import { type ContactStore, sqlPool } from "../prisma/client.ts";
import { isWinBackEnrollment, refreshSegments } from "./segments/contact-segments.ts";
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
      const steps = input.steps ? JSON.stringify(input.steps) : null;
      // A win-back that ran to its end unanswered makes the contact lost (classify-segment.ts): that
      // end and the contact's new segment commit together. Every other end is one statement through pg,
      // since every run ends here.
      if (input.status === "completed" && (await isWinBackEnrollment(sqlPool(store), input.enrollmentId))) {
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
          const [run] = finished;
          if (!run) return;
          await tx.$executeRaw`SELECT 1 FROM "Contact" WHERE id = ${run.contactId}::uuid FOR UPDATE`;
          const { segments } = await loadRuleSettings(tx);
          await refreshSegments(tx, [run.contactId], new Date(), segments);
        });
        return;
      }
      await sqlPool(store).query(
        `UPDATE "Enrollment" SET status = $2, "exitReason" = $3, "endedAt" = $4::timestamp,
                steps = COALESCE($5::jsonb, steps)
          WHERE id = $1 AND status = 'running'`,
        [input.enrollmentId, input.status, input.exitReason, new Date().toISOString(), steps],
      );
    },
  };
}

export type EnrollmentActivities = ReturnType<typeof createEnrollmentActivities>;
