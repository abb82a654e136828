// Score drivers read from MQL stage changes and recorded score points (domain/analytics/score-drivers.ts).
//
// From the roll-ups (migration 20261203110000_score_driver_rollups): the daily tables for the period's
// whole UTC days, less the entries there that were not their contact's first in the period (their
// previous MQL entry is at or after its start: rare, read through an index), and the per-entry
// snapshots for the partial days at its edges. Scoring has no buckets, so this holds in any zone. With
// source "live", everything is computed from StageChange and ScoreContribution (the reference).
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import {
  type MqlEntryRow,
  type RuleContributionRow,
  type ScoreDriverReport,
  scoreDriverReport,
} from "../../domain/analytics/score-drivers.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { periodEdges } from "./period-sql.ts";
import { type MetricSource, wholeDaySplit } from "./rollup-sql.ts";

export async function scoringMetrics(
  store: ContactStore,
  period: ReportPeriod,
  source: MetricSource = "rollups",
): Promise<ScoreDriverReport> {
  return source === "rollups" ? rolledUp(store, period) : live(store, period);
}

async function live(store: ContactStore, period: ReportPeriod): Promise<ScoreDriverReport> {
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
    store.$queryRaw<Array<MqlEntryRow & { grouping: number; contacts: number }>>`
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

async function rolledUp(store: ContactStore, period: ReportPeriod): Promise<ScoreDriverReport> {
  const { from } = periodEdges(period);
  // The snapshots answer for the entries outside the period's whole days.
  const { days, dayFrom, dayTo, outsideWholeDays: atEdges } = wholeDaySplit(period);
  const entryAtEdges = atEdges(Prisma.sql`e."enteredAt"`);
  const first = Prisma.sql`(e."previousEnteredAt" IS NULL OR e."previousEnteredAt" < ${from})`;
  /** Entries in the whole days whose contact entered earlier in the period: they count, but not as firsts. */
  const reentered = Prisma.sql`e."previousEnteredAt" >= ${from} AND e."enteredAt" >= ${dayFrom} AND e."enteredAt" < ${dayTo}`;
  const rulesOfDays = days
    ? Prisma.sql`
        SELECT rule, points, contributions, entries FROM "MqlPointsDaily"
        WHERE day >= ${dayFrom} AND day < ${dayTo} AND contributions <> 0
        UNION ALL
        SELECT p.rule, -p.points, -p.contributions, -(p.contributions > 0)::int
        FROM "MqlEntry" e JOIN "MqlEntryPoints" p USING ("stageChangeId") WHERE ${reentered}
        UNION ALL`
    : Prisma.empty;
  const entriesOfDays = days
    ? Prisma.sql`
        SELECT source, entries, entries AS firsts FROM "MqlEntryDaily"
        WHERE day >= ${dayFrom} AND day < ${dayTo} AND entries <> 0
        UNION ALL
        SELECT source, 0, -1 FROM "MqlEntry" e WHERE ${reentered}
        UNION ALL`
    : Prisma.empty;
  const [rules, mqlEntries] = await Promise.all([
    store.$queryRaw<RuleContributionRow[]>`
      SELECT rule, sum(points)::float8 AS points, sum(contributions)::int AS contributions,
        sum(entries)::int AS contacts
      FROM (
        ${rulesOfDays}
        SELECT p.rule, p.points, p.contributions, (p.contributions > 0)::int AS entries
        FROM "MqlEntry" e JOIN "MqlEntryPoints" p USING ("stageChangeId")
        WHERE ${entryAtEdges} AND ${atEdges(Prisma.sql`p."enteredAt"`)} AND ${first}
      ) earned
      GROUP BY rule HAVING sum(contributions) <> 0`,
    // firsts: the entries that were their contact's first in the period, one per contact.
    store.$queryRaw<Array<MqlEntryRow & { firsts: number }>>`
      SELECT source, sum(entries)::int AS entries, sum(firsts)::int AS firsts
      FROM (
        ${entriesOfDays}
        SELECT source, 1 AS entries, ${first}::int AS firsts FROM "MqlEntry" e WHERE ${entryAtEdges}
      ) entered
      GROUP BY source`,
  ]);
  return scoreDriverReport({
    rules,
    mqlEntries: mqlEntries.filter((row) => row.entries !== 0),
    mqlContacts: mqlEntries.reduce((sum, row) => sum + row.firsts, 0),
  });
}
