// Program effectiveness read from enrollments, the send ledger and the sending-rules decisions
// (domain/analytics/sequence-report.ts says what each number counts).
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import {
  type EmailStepRow,
  type EnrollmentOutcomeRow,
  type SequenceVersionReport,
  sequenceReport,
  type UnsubscribeRow,
} from "../../domain/analytics/sequence-report.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { periodEdges } from "./period-sql.ts";
import { type MetricSource, metricSource } from "./rollup-sql.ts";

export async function sequenceMetrics(
  store: ContactStore,
  period: ReportPeriod,
  source: MetricSource = "rollups",
): Promise<SequenceVersionReport[]> {
  const { from, to } = periodEdges(period);
  const rolledUp = metricSource(period, source) === "rollups";
  // Runs and emails per step, from the hourly roll-ups (the same numbers, see rollup-sql.ts) or live.
  const runs = rolledUp
    ? Prisma.sql`
      SELECT "sequenceKey", "sequenceVersion",
        CASE WHEN "outcomeHour" >= ${to} THEN 'running' ELSE status END AS outcome,
        CASE WHEN "outcomeHour" < ${to} THEN nullif("exitReason", '') END AS "exitReason", sum(runs)::int AS runs
      FROM "EnrollmentHourly" WHERE "startHour" >= ${from} AND "startHour" < ${to} AND runs <> 0
      GROUP BY 1, 2, 3, 4 HAVING sum(runs) <> 0`
    : Prisma.sql`
      WITH runs AS (
        SELECT "sequenceKey", "sequenceVersion",
          CASE WHEN "endedAt" IS NULL OR "endedAt" >= ${to} THEN 'running' ELSE status END AS outcome,
          CASE WHEN "endedAt" < ${to} THEN "exitReason" END AS "exitReason"
        FROM "Enrollment" WHERE "startedAt" >= ${from} AND "startedAt" < ${to}
      )
      SELECT "sequenceKey", "sequenceVersion", outcome, "exitReason", count(*)::int AS runs
      FROM runs GROUP BY 1, 2, 3, 4`;
  const sends = rolledUp
    ? Prisma.sql`
      SELECT "sequenceKey", "sequenceVersion", "stepId", min("templateKey") AS "templateKey",
        min("firstCreatedAt") FILTER (WHERE measure = 'attempted') AS first,
        coalesce(sum(emails) FILTER (WHERE measure = 'attempted'), 0)::int AS attempted,
        coalesce(sum(emails) FILTER (WHERE measure = 'sent' AND "outcomeHour" < ${to}), 0)::int AS sent,
        coalesce(sum(emails) FILTER (WHERE measure = 'suppressed'), 0)::int AS suppressed,
        coalesce(sum(emails) FILTER (WHERE measure = 'bounced'), 0)::int AS bounced,
        coalesce(sum(emails) FILTER (WHERE measure = 'opened' AND "outcomeHour" < ${to}), 0)::int AS opened,
        coalesce(sum(emails) FILTER (WHERE measure = 'clicked' AND "outcomeHour" < ${to}), 0)::int AS clicked
      FROM "SendStepHourly" WHERE "createdHour" >= ${from} AND "createdHour" < ${to} AND emails <> 0
      GROUP BY 1, 2, 3 HAVING sum(emails) FILTER (WHERE measure = 'attempted') <> 0`
    : Prisma.sql`
        SELECT e."sequenceKey", e."sequenceVersion", l."stepId", min(l."templateKey") AS "templateKey",
          min(l."createdAt") AS first,
          count(*)::int AS attempted,
          count(*) FILTER (WHERE l.status = 'sent' AND l."sentAt" < ${to})::int AS sent,
          count(*) FILTER (WHERE l.status = 'suppressed')::int AS suppressed,
          count(*) FILTER (WHERE l.status = 'bounced')::int AS bounced,
          count(*) FILTER (WHERE l."firstOpenedAt" < ${to})::int AS opened,
          count(*) FILTER (WHERE l."firstClickedAt" < ${to})::int AS clicked
        FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
        WHERE l."createdAt" >= ${from} AND l."createdAt" < ${to} AND l."stepId" IS NOT NULL
        GROUP BY 1, 2, 3`;
  const [outcomes, steps, unsubscribes] = await Promise.all([
    store.$queryRaw<EnrollmentOutcomeRow[]>(runs),
    // A step counts as deferred once per run however often the sending rules put it off; a step
    // deferred in the period but not yet attempted still shows, with no sends.
    store.$queryRaw<EmailStepRow[]>`
      WITH sends AS (${sends}),
      deferrals AS (
        SELECT e."sequenceKey", e."sequenceVersion", d."stepId", min(d."decidedAt") AS first,
          count(DISTINCT d."enrollmentId")::int AS deferred
        FROM "SendDecision" d JOIN "Enrollment" e ON e.id = d."enrollmentId"
        WHERE d.decision = 'defer' AND d."decidedAt" >= ${from} AND d."decidedAt" < ${to}
        GROUP BY 1, 2, 3
      )
      SELECT "sequenceKey", "sequenceVersion", "stepId", coalesce(s."templateKey", '') AS "templateKey",
        coalesce(s.attempted, 0) AS attempted, coalesce(s.sent, 0) AS sent,
        coalesce(d.deferred, 0) AS deferred, coalesce(s.suppressed, 0) AS suppressed,
        coalesce(s.bounced, 0) AS bounced, coalesce(s.opened, 0) AS opened, coalesce(s.clicked, 0) AS clicked
      FROM sends s FULL JOIN deferrals d USING ("sequenceKey", "sequenceVersion", "stepId")
      ORDER BY 1, 2, least(s.first, d.first)`,
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
