// Customer value read from orders, contacts, program runs and segment memberships
// (domain/analytics/customer-report.ts defines each figure and the attribution rule). With the
// "rollups" source the orders come from OrderFact, which triggers keep per order, and the counts now
// and segment movements from the roll-ups; "live" computes everything from the facts (the reference).
import {
  AFTER_PERIOD_BUCKET,
  ATTRIBUTION_WINDOW_DAYS,
  type AttributionRow,
  CART_RECOVERY_PROGRAM,
  type CustomerReport,
  customerReport,
  type LifetimeValueRow,
  POST_PURCHASE_PROGRAM,
  type SegmentMovementRow,
  type SegmentOrdersRow,
} from "../../domain/analytics/customer-report.ts";
import { periodBuckets, type ReportPeriod } from "../../domain/analytics/report-period.ts";
import { HOUR_MS, rollupSpans } from "../../domain/analytics/rollup-spans.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { bucketLabel, periodEdges } from "./period-sql.ts";
import type { MetricSource } from "./rollup-sql.ts";

/** The open end of "after the period": later than any fact. */
const AFTER_EVERYTHING = new Date("9999-12-31T00:00:00Z");

export async function customerMetrics(
  store: ContactStore,
  period: ReportPeriod,
  source: MetricSource = "rollups",
): Promise<CustomerReport> {
  const { from, to } = periodEdges(period);
  const rolledUp = source === "rollups";
  const labelOf = (column: Prisma.Sql) =>
    Prisma.sql`CASE WHEN ${column} >= ${to} THEN ${AFTER_PERIOD_BUCKET} ELSE ${bucketLabel(column, period)} END`;
  // Segment sizes now from the tally; movements per bucket (and after the period) from the hourly
  // roll-up for the whole UTC hours, and from the memberships for the cut hours at the edges (a period
  // ending now, a 10:30 edge, a half-hour zone's midnights), so the answer is exact for any period.
  const spans = [
    ...periodBuckets(period),
    { start: period.to, end: AFTER_EVERYTHING, label: AFTER_PERIOD_BUCKET },
  ].flatMap(({ start, end, label }) => rollupSpans(start, end, HOUR_MS).map((span) => ({ label, ...span })));
  const movementsRolledUp = Prisma.sql`
    WITH spans AS (
      SELECT * FROM json_to_recordset(${JSON.stringify(spans)}::json)
        AS s(label text, start timestamp, "end" timestamp, "rolledUp" boolean)
    )
    SELECT segment, 'current' AS kind, NULL AS bucket, sum(memberships)::int AS memberships
    FROM "SegmentTally" GROUP BY segment HAVING sum(memberships) <> 0
    UNION ALL
    SELECT segment, kind, label, sum(memberships)::int FROM (
      SELECT h.segment, h.kind, s.label, h.memberships
      FROM spans s JOIN "SegmentMovementHourly" h ON s."rolledUp" AND h.hour >= s.start AND h.hour < s."end"
      UNION ALL
      SELECT m.segment, 'entered', s.label, 1
      FROM spans s JOIN "SegmentMembership" m ON NOT s."rolledUp" AND m."enteredAt" >= s.start AND m."enteredAt" < s."end"
      UNION ALL
      SELECT m.segment, 'left', s.label, 1
      FROM spans s JOIN "SegmentMembership" m ON NOT s."rolledUp" AND m."leftAt" >= s.start AND m."leftAt" < s."end"
    ) moved GROUP BY segment, kind, label HAVING sum(memberships) <> 0`;
  const movementsLive = Prisma.sql`
    SELECT segment, 'current' AS kind, NULL AS bucket, count(*)::int AS memberships
    FROM "SegmentMembership" WHERE "leftAt" IS NULL GROUP BY segment
    UNION ALL
    SELECT segment, 'entered', bucket, count(*)::int FROM (
      SELECT segment, ${labelOf(Prisma.sql`"enteredAt"`)} AS bucket
      FROM "SegmentMembership" WHERE "enteredAt" >= ${from}
    ) entered GROUP BY segment, bucket
    UNION ALL
    SELECT segment, 'left', bucket, count(*)::int FROM (
      SELECT segment, ${labelOf(Prisma.sql`"leftAt"`)} AS bucket
      FROM "SegmentMembership" WHERE "leftAt" >= ${from}
    ) left_ GROUP BY segment, bucket`;
  const segmentsLive = Prisma.sql`
      WITH placed AS (
        SELECT o.id, o."contactId", o.total, c.segment,
          NOT EXISTS (
            SELECT 1 FROM "Order" p WHERE p."contactId" = o."contactId"
              AND (p."placedAt", p.id) < (o."placedAt", o.id)
          ) AS first
        FROM "Order" o JOIN "Contact" c ON c.id = o."contactId"
        WHERE o."placedAt" >= ${from} AND o."placedAt" < ${to}
      ),
      buyers AS (
        SELECT DISTINCT "contactId", segment FROM placed
      )
      SELECT s.segment, s.orders, s.revenue, s."firstOrders", s."firstOrderRevenue",
        b.buyers, b."repeatBuyers"
      FROM (
        SELECT segment, count(*)::int AS orders, sum(total)::float8 AS revenue,
          count(*) FILTER (WHERE first)::int AS "firstOrders",
          coalesce(sum(total) FILTER (WHERE first), 0)::float8 AS "firstOrderRevenue"
        FROM placed GROUP BY segment
      ) s JOIN (
        SELECT segment, count(*)::int AS buyers,
          count(*) FILTER (WHERE (
            SELECT count(*) FROM (
              SELECT 1 FROM "Order" p WHERE p."contactId" = buyers."contactId" AND p."placedAt" < ${to} LIMIT 2
            ) two
          ) = 2)::int AS "repeatBuyers"
        FROM buyers GROUP BY segment
      ) b ON b.segment = s.segment`;
  const attributionLive = Prisma.sql`
      WITH placed AS (
        SELECT o.id, o."contactId", o."cartId", o.total, o."placedAt",
          EXISTS (
            SELECT 1 FROM "Enrollment" e JOIN "SendLedger" l ON l."enrollmentId" = e.id
            WHERE e."contactId" = o."contactId" AND e."sequenceKey" = ${CART_RECOVERY_PROGRAM}
              AND e."entryKey" = 'cartId/' || o."cartId"
              AND l.status = 'sent' AND l."sentAt" <= o."placedAt"
          ) AS "cartRecovery",
          EXISTS (
            SELECT 1 FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
            WHERE l."contactId" = o."contactId" AND e."sequenceKey" = ${POST_PURCHASE_PROGRAM}
              AND e."entryKey" <> 'orderId/' || o.id
              AND l.status = 'sent' AND l."sentAt" <= o."placedAt"
              AND l."sentAt" > o."placedAt" - make_interval(days => ${ATTRIBUTION_WINDOW_DAYS}::int)
          ) AS "postPurchase"
        FROM "Order" o
        WHERE o."placedAt" >= ${from} AND o."placedAt" < ${to}
      )
      SELECT CASE WHEN "cartRecovery" THEN ${CART_RECOVERY_PROGRAM} ELSE ${POST_PURCHASE_PROGRAM} END AS program,
        count(*)::int AS orders, sum(total)::float8 AS revenue
      FROM placed WHERE "cartRecovery" OR "postPurchase" GROUP BY 1`;
  // The same figures from the order facts (migration 20261203120000_customer_order_facts), exact for
  // any period: a buyer's first order in the period is the one whose previous order is before the period,
  // and the buyer is a repeat buyer if it has an earlier order or its next one is before the period's end.
  const buyerSql = Prisma.sql`("previousPlacedAt" IS NULL OR "previousPlacedAt" < ${from})`;
  const segmentsFromFacts = Prisma.sql`
    SELECT segment, count(*)::int AS orders, sum(total)::float8 AS revenue,
      count(*) FILTER (WHERE "previousPlacedAt" IS NULL)::int AS "firstOrders",
      coalesce(sum(total) FILTER (WHERE "previousPlacedAt" IS NULL), 0)::float8 AS "firstOrderRevenue",
      count(*) FILTER (WHERE ${buyerSql})::int AS buyers,
      count(*) FILTER (WHERE ${buyerSql}
        AND ("previousPlacedAt" IS NOT NULL OR "nextPlacedAt" < ${to}))::int AS "repeatBuyers"
    FROM "OrderFact" WHERE "placedAt" >= ${from} AND "placedAt" < ${to}
    GROUP BY segment`;
  const attributionFromFacts = Prisma.sql`
    SELECT program, count(*)::int AS orders, sum(total)::float8 AS revenue
    FROM "OrderFact" WHERE "placedAt" >= ${from} AND "placedAt" < ${to} AND program IS NOT NULL
    GROUP BY program`;
  const [segments, attribution, lifetime, movements] = await Promise.all([
    store.$queryRaw<SegmentOrdersRow[]>(source === "rollups" ? segmentsFromFacts : segmentsLive),
    store.$queryRaw<AttributionRow[]>(source === "rollups" ? attributionFromFacts : attributionLive),
    source === "rollups"
      ? store.$queryRaw<LifetimeValueRow[]>`
      SELECT segment, sum(customers)::int AS customers, sum(orders)::int AS orders, sum(revenue)::float8 AS revenue
      FROM "CustomerTally" GROUP BY segment HAVING sum(customers) <> 0`
      : store.$queryRaw<LifetimeValueRow[]>`
      SELECT segment, count(*)::int AS customers, sum("orderCount")::int AS orders,
        sum("totalRevenue")::float8 AS revenue
      FROM "Contact" WHERE "orderCount" > 0 AND "mergedIntoId" IS NULL
      GROUP BY segment`,
    store.$queryRaw<SegmentMovementRow[]>(rolledUp ? movementsRolledUp : movementsLive),
  ]);
  return customerReport({
    segments,
    attribution,
    lifetime,
    movements,
    buckets: periodBuckets(period).map((bucket) => bucket.label),
  });
}
