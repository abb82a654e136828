// Reading the analytics roll-ups (migration 20261202150000_analytics_rollups maintains them with
// triggers, in the transaction that writes the facts, so they never drift from them).
//
// The hourly roll-ups are keyed by UTC hour, and by the UTC hour a counted outcome happened, so they
// answer exactly what the live queries answer when every edge they are cut at is a whole UTC hour: the
// period's `from` and `to` and every bucket boundary (local midnights, which are whole UTC hours in every
// zone whose offset is whole hours). A period that is not (a datetime edge at 10:30, a zone such as
// Asia/Kolkata) is answered by the live queries instead: exact, at their cost.
import { periodBuckets, type ReportPeriod } from "../../domain/analytics/report-period.ts";

const HOUR_MS = 3_600_000;
const isWholeHour = (instant: Date) => instant.getTime() % HOUR_MS === 0;

/** Whether the hourly roll-ups give this period's numbers exactly. */
export function hourlyRollupsCover(period: ReportPeriod): boolean {
  return (
    isWholeHour(period.from) &&
    isWholeHour(period.to) &&
    periodBuckets(period).every((bucket) => isWholeHour(bucket.start) && isWholeHour(bucket.end))
  );
}

/** Where a metric reads its facts: the roll-ups, or the fact tables themselves (the reference). */
export type MetricSource = "rollups" | "live";

/** The roll-ups unless the period needs the live queries or the caller asks for them. */
export function metricSource(period: ReportPeriod, requested: MetricSource = "rollups"): MetricSource {
  return requested === "rollups" && hourlyRollupsCover(period) ? "rollups" : "live";
}
