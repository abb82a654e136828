// Reading the analytics roll-ups (migration 20261202150000_analytics_rollups maintains them with
// triggers, in the transaction that writes the facts, so they never drift from them).
//
// The hourly roll-ups serve the whole UTC hours of a stretch and the facts its cut hours
// (domain/analytics/rollup-spans.ts); the daily roll-ups serve the period's whole UTC days, the facts
// the rest. Either way every period is answered exactly.
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import { DAY_MS } from "../../domain/analytics/rollup-spans.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { periodEdges } from "./period-sql.ts";

/** Where a metric reads its facts: the roll-ups, or the fact tables themselves (the reference). */
export type MetricSource = "rollups" | "live";

/** The whole UTC days inside the period, [first, end); null when there is none. */
export function wholeUtcDays(period: ReportPeriod): { first: Date; end: Date } | null {
  const first = Math.ceil(period.from.getTime() / DAY_MS) * DAY_MS;
  const end = Math.floor(period.to.getTime() / DAY_MS) * DAY_MS;
  return first < end ? { first: new Date(first), end: new Date(end) } : null;
}

/**
 * The period split for the daily roll-ups: its whole UTC days (null when none, or when `rolledUp` is
 * false) as SQL edges, and a predicate for the instants the facts must answer for (all of the period
 * outside those days).
 */
export function wholeDaySplit(period: ReportPeriod, rolledUp = true) {
  const { from, to } = periodEdges(period);
  const days = rolledUp ? wholeUtcDays(period) : null;
  const dayFrom = Prisma.sql`${days?.first.toISOString()}::timestamp`;
  const dayTo = Prisma.sql`${days?.end.toISOString()}::timestamp`;
  const outsideWholeDays = (column: Prisma.Sql) =>
    days
      ? Prisma.sql`((${column} >= ${from} AND ${column} < ${dayFrom}) OR (${column} >= ${dayTo} AND ${column} < ${to}))`
      : Prisma.sql`${column} >= ${from} AND ${column} < ${to}`;
  return { days, dayFrom, dayTo, outsideWholeDays };
}
