// Customer value: revenue and orders in the period by behavioural segment, first orders against
// orders from existing customers, repeat purchase, program attribution, lifetime value per segment and
// segment sizes over time.
//
// Segments are the contact's segment now: "what the customers we now call heroes bought", which is
// how a marketer reads a segment table (a segment at order time mostly reflects that very order).
//
// Attribution (one program per order, the first rule that applies):
// - cart recovery: the order's cart is the cart a cart-recovery run was started for, and that run had
//   sent at least one email before the order was placed;
// - post-purchase: the contact was sent a post-purchase email, from a run started by an earlier order,
//   in the ATTRIBUTION_WINDOW_DAYS before this order.
//
// Lifetime value (CLV) per segment is historical: the revenue a segment's customers have brought so
// far (all their orders, to now) divided by the number of those customers. It is exact and auditable;
// a predictive CLV needs margins and a churn model the store does not have. Average order value and
// orders per customer are shown beside it, since CLV = AOV × orders per customer.
import { cents, rate } from "./rates.ts";

// Migration 20261203120000_customer_order_facts writes these three out in its triggers: changing one
// takes a new migration that replaces them (analytics-rollups.test.ts fails until it does).
export const CART_RECOVERY_PROGRAM = "cart-recovery";
export const POST_PURCHASE_PROGRAM = "post-purchase";
export const ATTRIBUTION_WINDOW_DAYS = 30;

export interface SegmentOrdersRow {
  segment: string;
  orders: number;
  revenue: number;
  firstOrders: number;
  firstOrderRevenue: number;
  buyers: number;
  repeatBuyers: number;
}

export interface AttributionRow {
  program: string;
  orders: number;
  revenue: number;
}

export interface LifetimeValueRow {
  segment: string;
  customers: number;
  orders: number;
  revenue: number;
}

export interface SegmentMovementRow {
  segment: string;
  /** "current" (open memberships now), "entered" or "left"; bucket: the label, or "after" the period. */
  kind: "current" | "entered" | "left";
  bucket: string | null;
  memberships: number;
}

/** The bucket label of movements after the period's end (up to now). */
export const AFTER_PERIOD_BUCKET = "after";

/**
 * The size of each segment at the end of each bucket, worked back from the open memberships now: a
 * membership entered after a moment was not there yet, one that left after it still was.
 */
export function segmentSizesOverTime(
  rows: readonly SegmentMovementRow[],
  buckets: readonly string[],
): Array<{ segment: string; sizes: number[] }> {
  const segments = [...new Set(rows.map((row) => row.segment))].sort();
  return segments.map((segment) => {
    const mine = rows.filter((row) => row.segment === segment);
    const netAfter = (bucket: string) =>
      mine
        .filter((row) => row.kind !== "current" && row.bucket === bucket)
        .reduce((sum, row) => sum + (row.kind === "entered" ? row.memberships : -row.memberships), 0);
    let size = mine.find((row) => row.kind === "current")?.memberships ?? 0;
    size -= netAfter(AFTER_PERIOD_BUCKET);
    const sizes: number[] = new Array(buckets.length).fill(0);
    for (let index = buckets.length - 1; index >= 0; index -= 1) {
      sizes[index] = size;
      size -= netAfter(buckets[index] as string);
    }
    return { segment, sizes };
  });
}

export function customerReport(input: {
  segments: readonly SegmentOrdersRow[];
  attribution: readonly AttributionRow[];
  lifetime: readonly LifetimeValueRow[];
  movements: readonly SegmentMovementRow[];
  buckets: readonly string[];
}) {
  const sum = (pick: (row: SegmentOrdersRow) => number) =>
    input.segments.reduce((total, row) => total + pick(row), 0);
  const orders = sum((row) => row.orders);
  const revenue = sum((row) => row.revenue);
  const firstOrders = sum((row) => row.firstOrders);
  const firstOrderRevenue = sum((row) => row.firstOrderRevenue);
  const buyers = sum((row) => row.buyers);
  const repeatBuyers = sum((row) => row.repeatBuyers);
  const attributed = new Map(input.attribution.map((row) => [row.program, row]));
  return {
    totals: {
      orders,
      revenue: cents(revenue),
      averageOrderValue: orders === 0 ? null : cents(revenue / orders),
      buyers,
      repeatBuyers,
      repeatPurchaseRate: rate(repeatBuyers, buyers),
    },
    newVersusExisting: {
      firstOrders: { orders: firstOrders, revenue: cents(firstOrderRevenue) },
      existingCustomers: { orders: orders - firstOrders, revenue: cents(revenue - firstOrderRevenue) },
      existingCustomerRevenueShare: rate(revenue - firstOrderRevenue, revenue),
    },
    bySegment: [...input.segments]
      .sort((a, b) => b.revenue - a.revenue || a.segment.localeCompare(b.segment))
      .map((row) => ({
        segment: row.segment,
        orders: row.orders,
        revenue: cents(row.revenue),
        revenueShare: rate(row.revenue, revenue),
        firstOrders: row.firstOrders,
        buyers: row.buyers,
      })),
    attribution: {
      windowDays: ATTRIBUTION_WINDOW_DAYS,
      programs: [CART_RECOVERY_PROGRAM, POST_PURCHASE_PROGRAM].map((program) => {
        const row = attributed.get(program);
        return {
          program,
          orders: row?.orders ?? 0,
          revenue: cents(row?.revenue ?? 0),
          orderShare: rate(row?.orders ?? 0, orders),
        };
      }),
    },
    lifetimeValue: {
      definition: "historical: revenue of the segment's customers to date / number of those customers",
      segments: [...input.lifetime]
        .sort((a, b) => a.segment.localeCompare(b.segment))
        .map((row) => ({
          segment: row.segment,
          customers: row.customers,
          lifetimeValue: row.customers === 0 ? null : cents(row.revenue / row.customers),
          averageOrderValue: row.orders === 0 ? null : cents(row.revenue / row.orders),
          ordersPerCustomer: rate(row.orders, row.customers),
        })),
    },
    segmentSizes: {
      buckets: [...input.buckets],
      series: segmentSizesOverTime(input.movements, input.buckets),
    },
  };
}

export type CustomerReport = ReturnType<typeof customerReport>;
