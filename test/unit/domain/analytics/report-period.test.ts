import { describe, expect, test } from "vitest";
import { instantOf, parsePeriodEdge, periodBuckets } from "../../../../domain/analytics/report-period.ts";

const local = (year: number, month: number, day: number, hour = 0, minute = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second: 0,
  millisecond: 0,
});

describe("period edges", () => {
  test("a date is a whole local day: from its midnight to the next", () => {
    expect(parsePeriodEdge("2026-11-01", "from", "Europe/Rome")?.toISOString()).toBe(
      "2026-10-31T23:00:00.000Z",
    );
    expect(parsePeriodEdge("2026-11-30", "to", "Europe/Rome")?.toISOString()).toBe(
      "2026-11-30T23:00:00.000Z",
    );
    expect(parsePeriodEdge("2026-11-01", "from", "UTC")?.toISOString()).toBe("2026-11-01T00:00:00.000Z");
  });

  test("a datetime with an offset is that instant; without one it is wall-clock time in the zone", () => {
    expect(parsePeriodEdge("2026-11-01T08:00:00+02:00", "from", "Europe/Rome")?.toISOString()).toBe(
      "2026-11-01T06:00:00.000Z",
    );
    expect(parsePeriodEdge("2026-07-01T08:00", "from", "America/New_York")?.toISOString()).toBe(
      "2026-07-01T12:00:00.000Z",
    );
  });

  test("impossible dates are refused", () => {
    expect(parsePeriodEdge("2026-02-29", "from", "UTC")).toBeNull();
    expect(parsePeriodEdge("2026-11-01T24:00", "from", "UTC")).toBeNull();
    expect(parsePeriodEdge("1 Nov 2026", "from", "UTC")).toBeNull();
  });

  test("daylight saving: a skipped time reads with the offset before the gap, a repeated one is its first", () => {
    // Rome springs forward 2026-03-29 02:00 → 03:00 and falls back 2026-10-25 03:00 → 02:00.
    expect(instantOf(local(2026, 3, 29, 2, 30), "Europe/Rome").toISOString()).toBe(
      "2026-03-29T01:30:00.000Z",
    );
    expect(instantOf(local(2026, 10, 25, 2, 30), "Europe/Rome").toISOString()).toBe(
      "2026-10-25T00:30:00.000Z",
    );
    // New York falls back 2026-11-01 02:00 → 01:00.
    expect(instantOf(local(2026, 11, 1, 1, 30), "America/New_York").toISOString()).toBe(
      "2026-11-01T05:30:00.000Z",
    );
  });
});

describe("buckets", () => {
  test("local days across a fall-back: the day of the change is 25 hours long", () => {
    const buckets = periodBuckets({
      from: new Date("2026-10-23T22:00:00Z"),
      to: new Date("2026-10-26T23:00:00Z"),
      timeZone: "Europe/Rome",
      bucket: "day",
    });
    expect(buckets.map((b) => b.label)).toEqual(["2026-10-24", "2026-10-25", "2026-10-26"]);
    const day = buckets[1] as { start: Date; end: Date };
    expect(day.end.getTime() - day.start.getTime()).toBe(25 * 3_600_000);
  });

  test("weeks start on Monday and the first bucket is clipped to the period", () => {
    const buckets = periodBuckets({
      from: new Date("2026-11-04T00:00:00Z"),
      to: new Date("2026-11-17T00:00:00Z"),
      timeZone: "UTC",
      bucket: "week",
    });
    expect(buckets.map((b) => b.label)).toEqual(["2026-11-02", "2026-11-09", "2026-11-16"]);
    expect(buckets[0]?.start.toISOString()).toBe("2026-11-04T00:00:00.000Z");
  });
});
