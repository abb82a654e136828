import { describe, expect, it } from "vitest";
import { decayedPoints } from "../../../../domain/scoring/decay.ts";

const now = new Date("2025-06-01T00:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

describe("decayedPoints", () => {
  it("halves points every half-life", () => {
    expect(decayedPoints(10, daysAgo(30), now, 30)).toBe(5);
    expect(decayedPoints(10, daysAgo(60), now, 30)).toBe(2.5);
    expect(decayedPoints(8, daysAgo(90), now, 30)).toBe(1);
  });

  it("keeps fresh points whole", () => {
    expect(decayedPoints(10, now, now, 30)).toBe(10);
  });

  it("decays continuously between half-lives", () => {
    expect(decayedPoints(10, daysAgo(15), now, 30)).toBeCloseTo(10 / Math.SQRT2, 10);
  });

  it("does not decay with a null half-life", () => {
    expect(decayedPoints(10, daysAgo(3650), now, null)).toBe(10);
  });

  it("decays negative points towards zero too", () => {
    expect(decayedPoints(-10, daysAgo(30), now, 30)).toBe(-5);
  });

  it("does not grow points stamped in the future", () => {
    expect(decayedPoints(10, daysAgo(-5), now, 30)).toBe(10);
  });

  it.each([0, -30, Number.NaN])("rejects a half-life of %d", (halfLife) => {
    expect(() => decayedPoints(10, daysAgo(1), now, halfLife)).toThrow(RangeError);
  });
});
