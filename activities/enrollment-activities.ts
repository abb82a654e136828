// Enrollment bookkeeping in the contact store, called by the sequence workflows.
import { type ContactStore, sqlPool } from "../prisma/client.ts";
import { refreshSegments, WIN_BACK_VERSION } from "./segments/contact-segments.ts";
import { loadRuleSettings } from "./settings/rule-settings.ts";

export interface FinishEnrollmentInput {
  enrollmentId: string;
  status: "completed" | "exited" | "skipped";
  exitReason: string | null;
  /** What the run did, in order (v1 runs); kept for GET /v1/enrollments/:id after the run is gone. */
  steps?: ReadonlyArray<Record<string, unknown>>;
}

// $1 enrollment id, $2 status, $3 exit reason, $4 end (UTC ISO), $5 the steps as JSON (null: kept).
const FINISH_ENROLLMENT = `UPDATE "Enrollment" SET status = $2, "exitReason" = $3, "endedAt" = $4::timestamp,
    steps = COALESCE($5::jsonb, steps)
  WHERE id = $1 AND status = 'running'`;
const WIN_BACK_COMPLETION = `$2 = 'completed' AND EXISTS (SELECT 1 FROM "SequenceVersion" v
  WHERE v."sequenceKey" = "Enrollment"."sequenceKey" AND v.version = "Enrollment"."sequenceVersion"
    AND ${WIN_BACK_VERSION})`;

export function createEnrollmentActivities(store: ContactStore) {
  return {
    /** Idempotent: a retried call finds the row already finished and leaves it as it is. */
    async finishEnrollment(input: FinishEnrollmentInput): Promise<void> {
      const values = [
        input.enrollmentId,
        input.status,
        input.exitReason,
        new Date().toISOString(),
        input.steps ? JSON.stringify(input.steps) : null,
      ];
      // Every run ends here, so an end is one statement through pg; it leaves out a win-back's
      // completion, which makes the contact lost (classify-segment.ts) and commits with the new segment.
      const { rowCount } = await sqlPool(store).query(
        `${FINISH_ENROLLMENT} AND NOT (${WIN_BACK_COMPLETION})`,
        values,
      );
      if (rowCount || input.status !== "completed") return;
      await store.$transaction(async (tx) => {
        const [run] = await tx.$queryRawUnsafe<Array<{ contactId: string }>>(
          `${FINISH_ENROLLMENT} RETURNING "contactId"`,
          ...values,
        );
        if (!run) return;
        await tx.$executeRaw`SELECT 1 FROM "Contact" WHERE id = ${run.contactId}::uuid FOR UPDATE`;
        const { segments } = await loadRuleSettings(tx);
        await refreshSegments(tx, [run.contactId], new Date(), segments);
      });
    },
  };
}

export type EnrollmentActivities = ReturnType<typeof createEnrollmentActivities>;
