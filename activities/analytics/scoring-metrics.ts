// Score drivers read from MQL stage changes and recorded score points (domain/analytics/score-drivers.ts).
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import {
  type MqlEntryRow,
  type RuleContributionRow,
  type ScoreDriverReport,
  scoreDriverReport,
} from "../../domain/analytics/score-drivers.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { periodEdges } from "./period-sql.ts";

export async function scoringMetrics(store: ContactStore, period: ReportPeriod): Promise<ScoreDriverReport> {
  const { from, to } = periodEdges(period);
  const [rules, mqlEntries] = await Promise.all([
    store.$queryRaw<RuleContributionRow[]>`
      WITH mql AS (
        SELECT DISTINCT ON ("contactId") "contactId", "occurredAt" AS at FROM "StageChange"
        WHERE "toStage" = 'mql' AND "occurredAt" >= ${from} AND "occurredAt" < ${to}
        ORDER BY "contactId", "occurredAt", id
      )
      SELECT p.rule, sum(p.points)::float8 AS points, count(*)::int AS contributions,
        count(DISTINCT p."contactId")::int AS contacts
      FROM mql JOIN "ScoreContribution" p ON p."contactId" = mql."contactId" AND p."occurredAt" <= mql.at
      GROUP BY p.rule`,
    store.$queryRaw<Array<MqlEntryRow & { grouping: number }>>`
      SELECT source, GROUPING(source)::int AS grouping, count(*)::int AS entries,
        count(DISTINCT "contactId")::int AS contacts
      FROM "StageChange"
      WHERE "toStage" = 'mql' AND "occurredAt" >= ${from} AND "occurredAt" < ${to}
      GROUP BY GROUPING SETS ((source), ())`,
  ]);
  return scoreDriverReport({
    rules,
    mqlEntries: mqlEntries.filter((row) => row.grouping === 0),
    mqlContacts: mqlEntries.find((row) => row.grouping === 1)?.contacts ?? 0,
  });
}
