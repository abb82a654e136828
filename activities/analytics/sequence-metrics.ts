// Program effectiveness read from enrollments and the send ledger (domain/analytics/sequence-report.ts
// says what each number counts).
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import {
  type EmailStepRow,
  type EnrollmentOutcomeRow,
  type SequenceVersionReport,
  sequenceReport,
  type UnsubscribeRow,
} from "../../domain/analytics/sequence-report.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { periodEdges } from "./period-sql.ts";

export async function sequenceMetrics(
  store: ContactStore,
  period: ReportPeriod,
): Promise<SequenceVersionReport[]> {
  const { from, to } = periodEdges(period);
  const [outcomes, steps, unsubscribes] = await Promise.all([
    store.$queryRaw<EnrollmentOutcomeRow[]>`
      WITH runs AS (
        SELECT "sequenceKey", "sequenceVersion",
          CASE WHEN "endedAt" IS NULL OR "endedAt" >= ${to} THEN 'running' ELSE status END AS outcome,
          CASE WHEN "endedAt" < ${to} THEN "exitReason" END AS "exitReason"
        FROM "Enrollment" WHERE "startedAt" >= ${from} AND "startedAt" < ${to}
      )
      SELECT "sequenceKey", "sequenceVersion", outcome, "exitReason", count(*)::int AS runs
      FROM runs GROUP BY 1, 2, 3, 4`,
    store.$queryRaw<EmailStepRow[]>`
      SELECT e."sequenceKey", e."sequenceVersion", l."stepId", min(l."templateKey") AS "templateKey",
        count(*)::int AS attempted,
        count(*) FILTER (WHERE l.status = 'sent' AND l."sentAt" < ${to})::int AS sent,
        count(*) FILTER (WHERE l.status = 'deferred')::int AS deferred,
        count(*) FILTER (WHERE l.status = 'suppressed')::int AS suppressed,
        count(*) FILTER (WHERE l.status = 'bounced')::int AS bounced,
        count(*) FILTER (WHERE l."firstOpenedAt" < ${to})::int AS opened,
        count(*) FILTER (WHERE l."firstClickedAt" < ${to})::int AS clicked
      FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
      WHERE l."createdAt" >= ${from} AND l."createdAt" < ${to} AND l."stepId" IS NOT NULL
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, min(l."createdAt")`,
    store.$queryRaw<UnsubscribeRow[]>`
      SELECT e."sequenceKey", e."sequenceVersion", last."stepId", count(*)::int AS unsubscribed
      FROM "Contact" c
      CROSS JOIN LATERAL (
        SELECT l."enrollmentId", l."stepId" FROM "SendLedger" l
        WHERE l."contactId" = c.id AND l.status = 'sent' AND l."sentAt" <= c."unsubscribedAt"
        ORDER BY l."sentAt" DESC, l.id DESC LIMIT 1
      ) last
      JOIN "Enrollment" e ON e.id = last."enrollmentId"
      WHERE c."unsubscribedAt" >= ${from} AND c."unsubscribedAt" < ${to} AND last."stepId" IS NOT NULL
      GROUP BY 1, 2, 3`,
  ]);
  return sequenceReport({ outcomes, steps, unsubscribes });
}
