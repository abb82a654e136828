import { describe, expect, test } from "vitest";
import { DAY_MS, HOUR_MS, rollupSpans } from "../../../../domain/analytics/rollup-spans.ts";

const at = (iso: string) => new Date(iso);
const shown = (spans: ReturnType<typeof rollupSpans>) =>
  spans.map((span) => `${span.start.toISOString()} ${span.end.toISOString()} ${span.rolledUp}`);

describe("roll-up spans", () => {
  test("whole hours from the roll-up, the cut hours at both edges from the facts", () => {
    expect(shown(rollupSpans(at("2026-10-01T10:30:00Z"), at("2026-10-01T17:45:00Z"), HOUR_MS))).toEqual([
      "2026-10-01T10:30:00.000Z 2026-10-01T11:00:00.000Z false",
      "2026-10-01T11:00:00.000Z 2026-10-01T17:00:00.000Z true",
      "2026-10-01T17:00:00.000Z 2026-10-01T17:45:00.000Z false",
    ]);
  });

  test("edges on whole units leave nothing for the facts", () => {
    expect(shown(rollupSpans(at("2026-10-01T00:00:00Z"), at("2026-10-31T00:00:00Z"), DAY_MS))).toEqual([
      "2026-10-01T00:00:00.000Z 2026-10-31T00:00:00.000Z true",
    ]);
  });

  test("both edges inside one unit, or one unit apart: no whole unit", () => {
    expect(shown(rollupSpans(at("2026-10-01T10:10:00Z"), at("2026-10-01T10:50:00Z"), HOUR_MS))).toEqual([
      "2026-10-01T10:10:00.000Z 2026-10-01T10:50:00.000Z false",
    ]);
    expect(shown(rollupSpans(at("2026-10-01T10:10:00Z"), at("2026-10-01T11:20:00Z"), HOUR_MS))).toEqual([
      "2026-10-01T10:10:00.000Z 2026-10-01T11:00:00.000Z false",
      "2026-10-01T11:00:00.000Z 2026-10-01T11:20:00.000Z false",
    ]);
    expect(shown(rollupSpans(at("2026-10-01T10:00:00Z"), at("2026-10-01T10:20:00Z"), HOUR_MS))).toEqual([
      "2026-10-01T10:00:00.000Z 2026-10-01T10:20:00.000Z false",
    ]);
  });

  test("an empty stretch has no span", () => {
    expect(rollupSpans(at("2026-10-01T10:00:00Z"), at("2026-10-01T10:00:00Z"), HOUR_MS)).toEqual([]);
  });
});
