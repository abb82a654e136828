// The funnel read from the store: stage counts now, and the stage visits that began in the period
// with how each ended before the period's end (domain/analytics/funnel-report.ts says what counts).
// A contact's creation is its entry into `subscriber`. Merged ghosts are left out: their history
// moved to the contact they turned out to be.
import {
  type BackwardMoveRow,
  type FunnelReport,
  funnelReport,
  type StageBucketRow,
  type StageNowRow,
  type StageVisitRow,
} from "../../domain/analytics/funnel-report.ts";
import { periodBuckets, type ReportPeriod } from "../../domain/analytics/report-period.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { bucketStart, periodEdges, stageRankSql } from "./period-sql.ts";
import type { MetricSource } from "./rollup-sql.ts";

interface VisitAggregateRow {
  bucket: string | null;
  stage: string;
  fromStage: string | null;
  grouping: number;
  entries: number;
  backwardEntries: number;
  converted: number;
  contactsConverted: number;
  fellBack: number;
  medianSeconds: number | null;
}

interface StageCountRow {
  lifecycleStage: string | null;
  highestStage: string | null;
  contacts: number;
}

export async function funnelMetrics(
  store: ContactStore,
  period: ReportPeriod,
  source: MetricSource = "rollups",
): Promise<FunnelReport> {
  const { from, to } = periodEdges(period);
  const rank = stageRankSql;
  const [now, aggregates] = await Promise.all([
    // The stage tally (rollup-sql.ts) instead of counting every contact; the live count is the reference.
    source === "rollups"
      ? store.$queryRaw<StageCountRow[]>`
      SELECT CASE WHEN kind = 'current' THEN stage END AS "lifecycleStage",
        CASE WHEN kind = 'highest' THEN stage END AS "highestStage", sum(contacts)::int AS contacts
      FROM "StageTally" GROUP BY kind, stage HAVING sum(contacts) <> 0`
      : store.$queryRaw<StageCountRow[]>`
      SELECT "lifecycleStage", "highestStage", count(*)::int AS contacts FROM "Contact"
      WHERE "mergedIntoId" IS NULL
      GROUP BY GROUPING SETS (("lifecycleStage"), ("highestStage"))`,
    store.$queryRaw<VisitAggregateRow[]>(Prisma.sql`
      WITH entries AS (
        SELECT s."contactId", s."toStage" AS stage, s."fromStage", s."occurredAt" AS at, s.id,
          ${rank(Prisma.sql`s."toStage"`)} AS rank, ${rank(Prisma.sql`s."fromStage"`)} AS "fromRank"
        FROM "StageChange" s
        WHERE s."occurredAt" >= ${from} AND s."occurredAt" < ${to}
          AND NOT EXISTS (SELECT 1 FROM "Contact" m WHERE m.id = s."contactId" AND m."mergedIntoId" IS NOT NULL)
        UNION ALL
        SELECT c.id, 'subscriber', NULL, c."createdAt", 0, ${rank(Prisma.sql`'subscriber'`)}, NULL
        FROM "Contact" c
        WHERE c."createdAt" >= ${from} AND c."createdAt" < ${to} AND c."mergedIntoId" IS NULL
      ),
      -- Every change that ends an in-period visit before the period's end is itself in the period.
      -- Ranks are looked up once per change, not once per comparison.
      visits AS (
        SELECT "contactId", stage, "fromStage", at, rank, "fromRank",
          lead(rank) OVER w AS "nextRank", lead(at) OVER w AS "nextAt"
        FROM entries WINDOW w AS (PARTITION BY "contactId" ORDER BY at, id)
      ),
      -- Read twice: tallied per bucket, stage and previous stage (a few hundred groups, summed up the
      -- three ways the report needs), and its conversions per stage for the people and the median, so
      -- the sorts that DISTINCT and the median need cover the conversions only, and only once.
      outcomes AS MATERIALIZED (
        SELECT "contactId", stage, "fromStage", ${bucketStart(Prisma.sql`at`, period)} AS bucket,
          "fromRank" > rank AS backward, "nextRank" > rank AS converted, "nextRank" < rank AS "fellBack",
          extract(epoch FROM "nextAt" - at)::float8 AS seconds
        FROM visits
      ),
      tallies AS (
        SELECT bucket, stage, "fromStage", count(*) AS entries, count(*) FILTER (WHERE backward) AS backward,
          count(*) FILTER (WHERE converted) AS converted, count(*) FILTER (WHERE "fellBack") AS "fellBack"
        FROM outcomes GROUP BY bucket, stage, "fromStage"
      ),
      conversions AS (
        SELECT stage, count(DISTINCT "contactId")::int AS "contactsConverted",
          percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS "medianSeconds"
        FROM outcomes WHERE converted GROUP BY stage
      )
      SELECT to_char(t.bucket, 'YYYY-MM-DD') AS bucket, t.stage, t."fromStage", t.grouping, t.entries,
        t."backwardEntries", t.converted, coalesce(c."contactsConverted", 0) AS "contactsConverted", t."fellBack",
        c."medianSeconds"
      FROM (
        SELECT bucket, stage, "fromStage", GROUPING(bucket, "fromStage")::int AS grouping,
          sum(entries)::int AS entries, sum(backward)::int AS "backwardEntries", sum(converted)::int AS converted,
          sum("fellBack")::int AS "fellBack"
        FROM tallies GROUP BY GROUPING SETS ((stage), (bucket, stage), ("fromStage", stage))
      ) t LEFT JOIN conversions c ON c.stage = t.stage`),
  ]);

  const nowRows = new Map<string, StageNowRow>();
  const nowOf = (stage: string) => {
    const row = nowRows.get(stage) ?? { stage, current: 0, highest: 0 };
    nowRows.set(stage, row);
    return row;
  };
  for (const row of now) {
    if (row.lifecycleStage !== null) nowOf(row.lifecycleStage).current = row.contacts;
    if (row.highestStage !== null) nowOf(row.highestStage).highest = row.contacts;
  }
  // GROUPING(bucket, "fromStage"): 3 = by stage only, 1 = by bucket, 2 = by previous stage.
  const visits: StageVisitRow[] = aggregates
    .filter((row) => row.grouping === 3)
    .map((row) => ({ ...row, medianSecondsToConvert: row.medianSeconds }));
  const overTime: StageBucketRow[] = aggregates
    .filter((row) => row.grouping === 1)
    .map((row) => ({
      bucket: row.bucket ?? "",
      stage: row.stage,
      entries: row.entries,
      converted: row.converted,
    }));
  const backward: BackwardMoveRow[] = aggregates
    .filter((row) => row.grouping === 2 && row.fromStage !== null)
    .map((row) => ({ from: row.fromStage ?? "", to: row.stage, moves: row.backwardEntries }));
  return funnelReport({
    now: [...nowRows.values()],
    visits,
    backward,
    overTime,
    buckets: periodBuckets(period).map((bucket) => bucket.label),
  });
}
