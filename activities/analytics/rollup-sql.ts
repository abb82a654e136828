// Reading the analytics roll-ups (migration 20261202150000_analytics_rollups maintains them with
// triggers, in the transaction that writes the facts, so they never drift from them).
//
// The hourly roll-up (segment movements) answers exactly what the live query answers when every edge it
// is cut at is a whole UTC hour: the period's `from` and `to` and every bucket boundary (local midnights,
// which are whole UTC hours in every zone whose offset is whole hours). A period that is not (a datetime
// edge at 10:30, a zone such as Asia/Kolkata) is answered by the live query instead: exact, at its cost.
// The daily roll-ups (runs, program emails) serve the period's whole UTC days, the facts the rest.
import { periodBuckets, type ReportPeriod } from "../../domain/analytics/report-period.ts";

const HOUR_MS = 3_600_000;
const isWholeHour = (instant: Date) => instant.getTime() % HOUR_MS === 0;

/** Whether the hourly roll-up gives this period's numbers exactly. */
export function hourlyRollupsCover(period: ReportPeriod): boolean {
  return (
    isWholeHour(period.from) &&
    isWholeHour(period.to) &&
    periodBuckets(period).every((bucket) => isWholeHour(bucket.start) && isWholeHour(bucket.end))
  );
}

/** Where a metric reads its facts: the roll-ups, or the fact tables themselves (the reference). */
export type MetricSource = "rollups" | "live";

/** The hourly roll-up unless the period needs the live query or the caller asks for it. */
export function metricSource(period: ReportPeriod, requested: MetricSource = "rollups"): MetricSource {
  return requested === "rollups" && hourlyRollupsCover(period) ? "rollups" : "live";
}

const DAY_MS = 86_400_000;

/** The whole UTC days inside the period, [first, end); null when there is none. */
export function wholeUtcDays(period: ReportPeriod): { first: Date; end: Date } | null {
  const first = Math.ceil(period.from.getTime() / DAY_MS) * DAY_MS;
  const end = Math.floor(period.to.getTime() / DAY_MS) * DAY_MS;
  return first < end ? { first: new Date(first), end: new Date(end) } : null;
}
