// Program effectiveness read from enrollments, the send ledger and the sending-rules decisions
// (domain/analytics/sequence-report.ts says what each number counts).
//
// Runs and emails come from the daily roll-ups (EnrollmentDaily, SendStepDaily) for the period's whole
// UTC days and from the facts for the rest: the partial days at its edges, and the outcomes (a run's
// end, a send, an open, a click) that came on the day the period ends in, where a day's roll-up cannot
// say whether they came before the end. Deferrals and unsubscribes come from the facts triggers keep
// per run step (StepDeferral) and per unsubscribed contact (UnsubscribeCredit). A period shorter than a
// whole day reads runs and emails from the facts; with source "live" everything is computed from the
// runs, emails, decisions and contacts themselves (the reference).
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
import { type MetricSource, wholeDaySplit } from "./rollup-sql.ts";

export async function sequenceMetrics(
  store: ContactStore,
  period: ReportPeriod,
  source: MetricSource = "rollups",
): Promise<SequenceVersionReport[]> {
  const { from, to } = periodEdges(period);
  // The facts read directly: started in the period, outside its whole days when the roll-ups have those.
  const {
    days,
    dayFrom,
    dayTo,
    outsideWholeDays: factsStarted,
  } = wholeDaySplit(period, source === "rollups");
  // When the period ends mid-day (a local midnight elsewhere than UTC), the roll-ups cannot say whether
  // an outcome on that last day came before the end: those come from the facts. At a UTC midnight, an
  // outcome on the day after is simply after the end.
  const endsMidDay = days !== null && days.end.getTime() !== period.to.getTime();
  /** An outcome on the day the period ends in, before its end. */
  const onLastDay = (column: Prisma.Sql) => Prisma.sql`(${column} >= ${dayTo} AND ${column} < ${to})`;
  const rolledRuns = days
    ? Prisma.sql`
      UNION ALL
      SELECT "sequenceKey", "sequenceVersion",
        CASE WHEN "outcomeDay" < ${dayTo} THEN status ELSE 'running' END,
        CASE WHEN "outcomeDay" < ${dayTo} THEN nullif("exitReason", '') END, runs
      FROM "EnrollmentDaily"
      WHERE "startDay" >= ${dayFrom} AND "startDay" < ${dayTo} AND runs <> 0
        ${endsMidDay ? Prisma.sql`AND "outcomeDay" <> ${dayTo}` : Prisma.empty}`
    : Prisma.empty;
  // Runs of the whole days that ended on the last day: the roll-up leaves them to the facts.
  const runsEndedOnLastDay = endsMidDay
    ? Prisma.sql`OR ("startedAt" >= ${dayFrom} AND "startedAt" < ${dayTo} AND "endedAt" >= ${dayTo}
        AND "endedAt" < ${dayTo} + interval '1 day')`
    : Prisma.empty;
  // Sends, opens and clicks of the whole days' emails that came on the last day, before the end.
  const sendsOnLastDay = Prisma.sql`
      UNION ALL
      SELECT e."sequenceKey", e."sequenceVersion", l."stepId", l."templateKey", NULL, 0,
        (l.status = 'sent' AND ${onLastDay(Prisma.sql`l."sentAt"`)})::int, 0, 0,
        ${onLastDay(Prisma.sql`l."firstOpenedAt"`)}::int, ${onLastDay(Prisma.sql`l."firstClickedAt"`)}::int
      FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
      WHERE l."createdAt" >= ${dayFrom} AND l."createdAt" < ${dayTo} AND l."stepId" IS NOT NULL
        AND (${onLastDay(Prisma.sql`l."sentAt"`)} OR ${onLastDay(Prisma.sql`l."firstOpenedAt"`)}
          OR ${onLastDay(Prisma.sql`l."firstClickedAt"`)})`;
  const rolledSends = days
    ? Prisma.sql`
      UNION ALL
      SELECT "sequenceKey", "sequenceVersion", "stepId", "templateKey",
        CASE WHEN measure = 'attempted' THEN "firstCreatedAt" END,
        CASE WHEN measure = 'attempted' THEN emails ELSE 0 END,
        CASE WHEN measure = 'sent' AND "outcomeDay" < ${dayTo} THEN emails ELSE 0 END,
        CASE WHEN measure = 'suppressed' THEN emails ELSE 0 END,
        CASE WHEN measure = 'bounced' THEN emails ELSE 0 END,
        CASE WHEN measure = 'opened' AND "outcomeDay" < ${dayTo} THEN emails ELSE 0 END,
        CASE WHEN measure = 'clicked' AND "outcomeDay" < ${dayTo} THEN emails ELSE 0 END
      FROM "SendStepDaily" WHERE "createdDay" >= ${dayFrom} AND "createdDay" < ${dayTo} AND emails <> 0
      ${endsMidDay ? sendsOnLastDay : Prisma.empty}`
    : Prisma.empty;
  // Each run's first deferral of each step: kept by a trigger (StepDeferral), or found in the decisions.
  const firstDeferrals =
    source === "rollups"
      ? Prisma.sql`"StepDeferral"`
      : Prisma.sql`(
          SELECT e."sequenceKey", e."sequenceVersion", d."stepId", min(d."decidedAt") AS "firstDeferredAt"
          FROM "SendDecision" d JOIN "Enrollment" e ON e.id = d."enrollmentId"
          WHERE d.decision = 'defer' GROUP BY d."enrollmentId", 1, 2, 3
        ) decisions`;
  // Each unsubscribe with the email it is credited to: kept by triggers (UnsubscribeCredit), or found
  // as the last sequence email the contact was sent before it.
  const unsubscribeCredits =
    source === "rollups"
      ? Prisma.sql`"UnsubscribeCredit"`
      : Prisma.sql`(
          SELECT c."unsubscribedAt", e."sequenceKey", e."sequenceVersion", last."stepId"
          FROM "Contact" c
          CROSS JOIN LATERAL (
            SELECT l."enrollmentId", l."stepId" FROM "SendLedger" l
            WHERE l."contactId" = c.id AND l.status = 'sent' AND l."sentAt" <= c."unsubscribedAt"
            ORDER BY l."sentAt" DESC, l.id DESC LIMIT 1
          ) last
          JOIN "Enrollment" e ON e.id = last."enrollmentId"
          WHERE last."stepId" IS NOT NULL
        ) unsubscribes`;
  const [outcomes, steps, unsubscribes] = await Promise.all([
    store.$queryRaw<EnrollmentOutcomeRow[]>`
      SELECT "sequenceKey", "sequenceVersion", outcome, "exitReason", sum(runs)::int AS runs FROM (
        SELECT "sequenceKey", "sequenceVersion",
          CASE WHEN "endedAt" IS NULL OR "endedAt" >= ${to} THEN 'running' ELSE status END AS outcome,
          CASE WHEN "endedAt" < ${to} THEN "exitReason" END AS "exitReason", 1 AS runs
        FROM "Enrollment" WHERE ${factsStarted(Prisma.sql`"startedAt"`)} ${runsEndedOnLastDay}
        ${rolledRuns}
      ) runs
      GROUP BY 1, 2, 3, 4 HAVING sum(runs) <> 0`,
    // A step counts as deferred once per run however often the sending rules put it off, in the period
    // of its first deferral; a step deferred in the period but not yet attempted still shows, with no
    // sends.
    store.$queryRaw<EmailStepRow[]>`
      WITH sends AS (
        SELECT "sequenceKey", "sequenceVersion", "stepId", min("templateKey") AS "templateKey", min(first) AS first,
          sum(attempted)::int AS attempted, sum(sent)::int AS sent, sum(suppressed)::int AS suppressed,
          sum(bounced)::int AS bounced, sum(opened)::int AS opened, sum(clicked)::int AS clicked
        FROM (
          SELECT e."sequenceKey", e."sequenceVersion", l."stepId", l."templateKey", l."createdAt" AS first,
            1 AS attempted,
            (l.status = 'sent' AND l."sentAt" < ${to})::int AS sent,
            (l.status = 'suppressed')::int AS suppressed,
            (l.status = 'bounced')::int AS bounced,
            coalesce(l."firstOpenedAt" < ${to}, false)::int AS opened,
            coalesce(l."firstClickedAt" < ${to}, false)::int AS clicked
          FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
          WHERE ${factsStarted(Prisma.sql`l."createdAt"`)} AND l."stepId" IS NOT NULL
          ${rolledSends}
        ) emails
        GROUP BY 1, 2, 3 HAVING sum(attempted) <> 0
      ),
      deferrals AS (
        SELECT "sequenceKey", "sequenceVersion", "stepId", min("firstDeferredAt") AS first, count(*)::int AS deferred
        FROM ${firstDeferrals}
        WHERE "firstDeferredAt" >= ${from} AND "firstDeferredAt" < ${to}
        GROUP BY 1, 2, 3
      )
      SELECT "sequenceKey", "sequenceVersion", "stepId", coalesce(s."templateKey", '') AS "templateKey",
        coalesce(s.attempted, 0) AS attempted, coalesce(s.sent, 0) AS sent,
        coalesce(d.deferred, 0) AS deferred, coalesce(s.suppressed, 0) AS suppressed,
        coalesce(s.bounced, 0) AS bounced, coalesce(s.opened, 0) AS opened, coalesce(s.clicked, 0) AS clicked
      FROM sends s FULL JOIN deferrals d USING ("sequenceKey", "sequenceVersion", "stepId")
      ORDER BY 1, 2, least(s.first, d.first)`,
    store.$queryRaw<UnsubscribeRow[]>`
      SELECT "sequenceKey", "sequenceVersion", "stepId", count(*)::int AS unsubscribed
      FROM ${unsubscribeCredits}
      WHERE "unsubscribedAt" >= ${from} AND "unsubscribedAt" < ${to}
      GROUP BY 1, 2, 3`,
  ]);
  return sequenceReport({ outcomes, steps, unsubscribes });
}
