// The query every metrics route takes: the period (from, to), the time zone its dates are read in and
// its buckets follow, and optionally the bucket size. Defaults: the last 30 days, UTC.
import { z } from "zod";
import {
  type BucketUnit,
  defaultBucket,
  isTimeZone,
  parsePeriodEdge,
  type ReportPeriod,
} from "../../domain/analytics/report-period.ts";

const DAY_MS = 86_400_000;
/** Long enough for any dashboard question; bounds the buckets an answer can have. */
const MAX_PERIOD_DAYS = 3_660;
const EDGE_HINT = "an ISO date (2026-11-01) or datetime (2026-11-01T08:00, 2026-11-01T08:00:00Z)";

export const MetricsQuery = z
  .object({
    from: z.string().optional().describe(`start of the period, inclusive: ${EDGE_HINT}`),
    to: z.string().optional().describe(`end of the period, exclusive; a date means the end of that day`),
    tz: z.string().optional().describe("IANA time zone for dates and buckets (default UTC)"),
    bucket: z.enum(["day", "week", "month"]).optional().describe("size of the over-time buckets"),
  })
  .transform((query, ctx): ReportPeriod => {
    const timeZone = query.tz ?? "UTC";
    if (!isTimeZone(timeZone)) {
      ctx.addIssue({ code: "custom", path: ["tz"], message: "not an IANA time zone, e.g. Europe/Rome" });
      return z.NEVER;
    }
    const edge = (name: "from" | "to") => {
      const text = query[name];
      if (text === undefined) return undefined;
      const parsed = parsePeriodEdge(text, name, timeZone);
      if (!parsed) ctx.addIssue({ code: "custom", path: [name], message: `expected ${EDGE_HINT}` });
      return parsed;
    };
    const givenFrom = edge("from");
    const givenTo = edge("to");
    if (givenFrom === null || givenTo === null) return z.NEVER;
    const to = givenTo ?? new Date();
    const from = givenFrom ?? new Date(to.getTime() - 30 * DAY_MS);
    if (from >= to) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "must be later than from" });
      return z.NEVER;
    }
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["to"],
        message: `the period may span at most ${MAX_PERIOD_DAYS} days`,
      });
      return z.NEVER;
    }
    const bucket: BucketUnit = query.bucket ?? defaultBucket(from, to);
    return { from, to, timeZone, bucket };
  });

export const PeriodView = z.object({
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  bucket: z.enum(["day", "week", "month"]),
});

export function periodView(period: ReportPeriod): z.infer<typeof PeriodView> {
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    timeZone: period.timeZone,
    bucket: period.bucket,
  };
}
