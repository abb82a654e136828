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
import { DAY_MS, HOUR_MS, rollupSpans } from "../../domain/analytics/rollup-spans.ts";
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
    store.$queryRaw<VisitAggregateRow[]>(
      source === "rollups" ? rolledUpVisitsSql(period) : liveVisitsSql(period),
    ),
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

/**
 * The report rows from two relations the visits queries define: `tallies` (bucket label, stage,
 * previous stage, entries, backward, converted, fellBack) and `conversions` (per stage: contactsConverted,
 * medianSeconds). The tallies are a few hundred groups, summed up the three ways the report needs.
 */
const reportRowsSql = Prisma.sql`
  SELECT t.bucket, t.stage, t."fromStage", t.grouping, t.entries, t."backwardEntries", t.converted,
    coalesce(c."contactsConverted", 0) AS "contactsConverted", t."fellBack", c."medianSeconds"
  FROM (
    SELECT bucket, stage, "fromStage", GROUPING(bucket, "fromStage")::int AS grouping,
      sum(entries)::int AS entries, sum(backward)::int AS "backwardEntries", sum(converted)::int AS converted,
      sum("fellBack")::int AS "fellBack"
    FROM tallies GROUP BY GROUPING SETS ((stage), (bucket, stage), ("fromStage", stage))
  ) t LEFT JOIN conversions c ON c.stage = t.stage`;

/** The reference: every visit of the period derived from the stage changes and creations. */
function liveVisitsSql(period: ReportPeriod): Prisma.Sql {
  const { from, to } = periodEdges(period);
  const rank = stageRankSql;
  return Prisma.sql`
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
    -- Read twice: tallied per bucket, stage and previous stage, and its conversions per stage for the
    -- people and the median, so the sorts that DISTINCT and the median need cover the conversions only.
    outcomes AS MATERIALIZED (
      SELECT "contactId", stage, "fromStage", ${bucketStart(Prisma.sql`at`, period)} AS bucket,
        "fromRank" > rank AS backward, "nextRank" > rank AS converted, "nextRank" < rank AS "fellBack",
        extract(epoch FROM "nextAt" - at)::float8 AS seconds
      FROM visits
    ),
    tallies AS (
      SELECT to_char(o.bucket, 'YYYY-MM-DD') AS bucket, stage, "fromStage", count(*) AS entries,
        count(*) FILTER (WHERE backward) AS backward, count(*) FILTER (WHERE converted) AS converted,
        count(*) FILTER (WHERE "fellBack") AS "fellBack"
      FROM outcomes o GROUP BY o.bucket, stage, "fromStage"
    ),
    conversions AS (
      SELECT stage, count(DISTINCT "contactId")::int AS "contactsConverted",
        percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS "medianSeconds"
      FROM outcomes WHERE converted GROUP BY stage
    )
    ${reportRowsSql}`;
}

/**
 * The same numbers from the visits' roll-ups (migration 20261203100000_funnel_stage_visits). Each bucket's
 * whole UTC hours come from "StageVisitHourly", the cut hours at its edges (the period's `to` is
 * usually now, a zone with a half-hour offset cuts every bucket edge) from the visits themselves. The
 * roll-up counts an outcome whenever it came: the visits of the period still open at its end that
 * ended later are found in the GiST index and counted as still in their stage. The people converted
 * are the conversions less the repeat ones (an earlier conversion from the same stage in the period).
 * The median: conversions per time band (whole UTC days from "StageConversionDaily", cut days from the
 * visits) say which one or two bands hold the middle values, then only those bands' values are read,
 * in order, and percentile_cont runs over the middle one or two, which gives what it gives over all.
 */
function rolledUpVisitsSql(period: ReportPeriod): Prisma.Sql {
  const { from, to } = periodEdges(period);
  const rank = stageRankSql;
  const buckets = periodBuckets(period);
  const labels = buckets.map((bucket) => bucket.label);
  const starts = buckets.map((bucket) => bucket.start.toISOString());
  const spans = buckets.flatMap((bucket) =>
    rollupSpans(bucket.start, bucket.end, HOUR_MS).map((span) => ({ label: bucket.label, ...span })),
  );
  const daySpans = rollupSpans(period.from, period.to, DAY_MS);
  return Prisma.sql`
    WITH spans AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(spans)}::json)
        AS s(label text, start timestamp, "end" timestamp, "rolledUp" boolean)
    ),
    day_spans AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(daySpans)}::json)
        AS s(start timestamp, "end" timestamp, "rolledUp" boolean)
    ),
    -- Grouped as the roll-up is: there can be many (every visit open at the end of a past period that
    -- moved on later). The bucket is found by binary search (width_bucket) over the bucket starts.
    late AS MATERIALIZED (
      SELECT (${labels}::text[])[width_bucket(v."enteredAt", ${starts}::timestamp[])] AS label,
        v.stage, v."fromStage", v.outcome, v."convertBand", count(*) AS n
      FROM "StageVisit" v
      WHERE tsrange(v."enteredAt", v."nextAt", '(]') @> ${to} AND v.outcome IS NOT NULL AND v."enteredAt" >= ${from}
      GROUP BY 1, 2, 3, 4, 5
    ),
    counted AS (
      SELECT s.label, h.stage, nullif(h."fromStage", '') AS "fromStage", nullif(h.outcome, '') AS outcome, h.visits AS n
      FROM spans s JOIN "StageVisitHourly" h ON h.hour >= s.start AND h.hour < s."end"
      WHERE s."rolledUp"
      UNION ALL
      SELECT s.label, v.stage, v."fromStage", v.outcome, 1
      FROM spans s JOIN "StageVisit" v ON v."enteredAt" >= s.start AND v."enteredAt" < s."end"
      WHERE NOT s."rolledUp"
      UNION ALL
      SELECT l.label, l.stage, l."fromStage", o.outcome, o.n
      FROM late l CROSS JOIN LATERAL (VALUES (l.outcome, -l.n), (NULL, l.n)) AS o(outcome, n)
    ),
    tallies AS (
      SELECT label AS bucket, stage, "fromStage", sum(n) AS entries,
        CASE WHEN ${rank(Prisma.sql`"fromStage"`)} > ${rank(Prisma.sql`stage`)} THEN sum(n) ELSE 0 END AS backward,
        coalesce(sum(n) FILTER (WHERE outcome = 'converted'), 0) AS converted,
        coalesce(sum(n) FILTER (WHERE outcome = 'fell_back'), 0) AS "fellBack"
      FROM counted GROUP BY label, stage, "fromStage" HAVING sum(n) <> 0
    ),
    bands AS (
      SELECT stage, band, sum(n)::bigint AS n FROM (
        SELECT d.stage, d.band, d.conversions AS n
        FROM day_spans s JOIN "StageConversionDaily" d ON d.day >= s.start AND d.day < s."end"
        WHERE s."rolledUp"
        UNION ALL
        SELECT v.stage, v."convertBand", 1
        FROM day_spans s JOIN "StageVisit" v ON v."enteredAt" >= s.start AND v."enteredAt" < s."end"
        WHERE NOT s."rolledUp" AND v.outcome = 'converted'
        UNION ALL
        SELECT stage, "convertBand", -n FROM late WHERE outcome = 'converted'
      ) counts GROUP BY stage, band HAVING sum(n) <> 0
    ),
    -- 0-based positions of the middle values among the stage's conversions (one when their number is odd).
    placed AS (
      SELECT stage, band, n, (sum(n) OVER (PARTITION BY stage ORDER BY band))::bigint - n AS below,
        (sum(n) OVER (PARTITION BY stage))::bigint AS total
      FROM bands
    ),
    -- The band's share of the middle positions [low, high], read as OFFSET and LIMIT into its values in
    -- order: one index range scan per band (one or two per stage).
    middle AS (
      SELECT stage, band, greatest((total - 1) / 2, below) - below AS skip,
        least(total / 2, below + n - 1) - greatest((total - 1) / 2, below) + 1 AS take
      FROM placed WHERE below <= total / 2 AND below + n > (total - 1) / 2
    ),
    middle_values AS (
      SELECT m.stage, v.seconds FROM middle m CROSS JOIN LATERAL (
        SELECT c."secondsToConvert" AS seconds FROM "StageVisit" c
        WHERE c.outcome = 'converted' AND c.stage = m.stage AND c."convertBand" = m.band
          AND c."enteredAt" >= ${from} AND c."enteredAt" < ${to} AND c."nextAt" < ${to}
        ORDER BY c."secondsToConvert" OFFSET m.skip LIMIT m.take
      ) v
    ),
    repeats AS (
      SELECT stage, count(*) AS repeats FROM "StageVisit"
      WHERE "previousConversionAt" IS NOT NULL AND "previousConversionAt" >= ${from}
        AND "enteredAt" >= ${from} AND "enteredAt" < ${to} AND "nextAt" < ${to}
      GROUP BY stage
    ),
    conversions AS (
      SELECT c.stage, (c.converted - coalesce(r.repeats, 0))::int AS "contactsConverted", m."medianSeconds"
      FROM (SELECT stage, sum(converted) AS converted FROM tallies GROUP BY stage) c
      LEFT JOIN repeats r ON r.stage = c.stage
      LEFT JOIN (
        SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS "medianSeconds"
        FROM middle_values GROUP BY stage
      ) m ON m.stage = c.stage
    )
    ${reportRowsSql}`;
}
