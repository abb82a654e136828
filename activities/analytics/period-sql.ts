// SQL fragments shared by the metric queries. Timestamps are stored as UTC without a zone, so a
// local calendar date is `(ts AT TIME ZONE 'UTC') AT TIME ZONE <zone>`, truncated to the bucket.
import type { ReportPeriod } from "../../domain/analytics/report-period.ts";
import { LIFECYCLE_STAGES } from "../../domain/lifecycle/stages.ts";
import { Prisma } from "../../generated/prisma/client.ts";

/** The period's edges as parameters: ISO strings cast to the columns' type (UTC timestamps). */
export function periodEdges(period: ReportPeriod): { from: Prisma.Sql; to: Prisma.Sql } {
  return {
    from: Prisma.sql`${period.from.toISOString()}::timestamp`,
    to: Prisma.sql`${period.to.toISOString()}::timestamp`,
  };
}

/** The local start of the bucket a UTC timestamp column falls in. */
export function bucketStart(column: Prisma.Sql, period: ReportPeriod): Prisma.Sql {
  return Prisma.sql`date_trunc(${period.bucket}, (${column} AT TIME ZONE 'UTC') AT TIME ZONE ${period.timeZone})`;
}

/** The label (local start date, YYYY-MM-DD) of the bucket a UTC timestamp column falls in. */
export function bucketLabel(column: Prisma.Sql, period: ReportPeriod): Prisma.Sql {
  return Prisma.sql`to_char(${bucketStart(column, period)}, 'YYYY-MM-DD')`;
}

/** A stage's place in the funnel (1-based; NULL for an unknown stage name). */
export function stageRankSql(column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`array_position(${[...LIFECYCLE_STAGES]}::text[], ${column})`;
}
