import { describe, expect, it } from "vitest";
import {
  formatQuietHours,
  isWithinQuietHours,
  parseQuietHours,
  quietHoursEnd,
} from "../../../../domain/time/quiet-hours.ts";

const at = (iso: string) => new Date(iso);
const overnight = { start: "21:00", end: "08:00" };
const lunch = { start: "12:00", end: "14:00" };

describe("parseQuietHours", () => {
  it("reads a span and off", () => {
    expect(parseQuietHours("21:00-08:00")).toEqual({ ok: true, value: overnight });
    expect(parseQuietHours(" 12:00 - 14:00 ")).toEqual({ ok: true, value: lunch });
    expect(parseQuietHours("off")).toEqual({ ok: true, value: null });
    expect(parseQuietHours("OFF")).toEqual({ ok: true, value: null });
  });

  it("names what is wrong", () => {
    expect(parseQuietHours("21:00")).toMatchObject({
      ok: false,
      error: expect.stringContaining("HH:MM-HH:MM"),
    });
    expect(parseQuietHours("21:00-08:00-09:00")).toMatchObject({ ok: false });
    expect(parseQuietHours("25:00-08:00")).toMatchObject({
      ok: false,
      error: expect.stringContaining("00:00"),
    });
    expect(parseQuietHours("08:00-08:00")).toMatchObject({
      ok: false,
      error: expect.stringContaining("differ"),
    });
    expect(parseQuietHours("")).toMatchObject({ ok: false });
  });

  it("formats back to the same text", () => {
    expect(formatQuietHours(overnight)).toBe("21:00-08:00");
    expect(formatQuietHours(null)).toBe("off");
  });
});

describe("quiet hours spanning midnight (21:00-08:00)", () => {
  it("are quiet from the start up to, not including, the end", () => {
    expect(isWithinQuietHours(at("2026-12-04T20:59:00Z"), "UTC", overnight)).toBe(false);
    expect(isWithinQuietHours(at("2026-12-04T21:00:00Z"), "UTC", overnight)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-04T23:59:59Z"), "UTC", overnight)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-05T00:00:00Z"), "UTC", overnight)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-05T07:59:59Z"), "UTC", overnight)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-05T08:00:00Z"), "UTC", overnight)).toBe(false);
    expect(isWithinQuietHours(at("2026-12-05T12:00:00Z"), "UTC", overnight)).toBe(false);
  });

  it("end the next morning when entered in the evening, the same morning after midnight", () => {
    expect(quietHoursEnd(at("2026-12-04T22:00:00Z"), "UTC", overnight)).toEqual(at("2026-12-05T08:00:00Z"));
    expect(quietHoursEnd(at("2026-12-05T03:00:00Z"), "UTC", overnight)).toEqual(at("2026-12-05T08:00:00Z"));
  });

  it("leave an instant outside them as it is", () => {
    const noon = at("2026-12-05T12:00:00Z");
    expect(quietHoursEnd(noon, "UTC", overnight)).toBe(noon);
  });

  it("use the contact's wall clock", () => {
    // 21:30 UTC is 22:30 in Rome (quiet) and 16:30 in New York (not quiet).
    const evening = at("2026-12-04T21:30:00Z");
    expect(isWithinQuietHours(evening, "Europe/Rome", overnight)).toBe(true);
    expect(quietHoursEnd(evening, "Europe/Rome", overnight)).toEqual(at("2026-12-05T07:00:00Z"));
    expect(isWithinQuietHours(evening, "America/New_York", overnight)).toBe(false);
  });

  it("end at the right instant across the spring-forward night", () => {
    // Rome, 28→29 March 2026: quiet from 21:00 CET, ending 08:00 CEST (06:00Z).
    expect(quietHoursEnd(at("2026-03-28T21:00:00Z"), "Europe/Rome", overnight)).toEqual(
      at("2026-03-29T06:00:00Z"),
    );
    // An end inside the gap (02:30 does not exist) ends at the gap's end, 03:00 CEST.
    const endsInGap = { start: "22:00", end: "02:30" };
    expect(quietHoursEnd(at("2026-03-28T22:00:00Z"), "Europe/Rome", endsInGap)).toEqual(
      at("2026-03-29T01:00:00Z"),
    );
  });

  it("end at the right instant across the fall-back night", () => {
    // New York, 1 November 2026: 08:00 EST is 13:00Z.
    expect(quietHoursEnd(at("2026-11-01T03:00:00Z"), "America/New_York", overnight)).toEqual(
      at("2026-11-01T13:00:00Z"),
    );
    // An end in the repeated hour: at 01:10 EST (the second 01:10) quiet hours end at the second 01:30.
    const endsInOverlap = { start: "22:00", end: "01:30" };
    expect(isWithinQuietHours(at("2026-11-01T06:10:00Z"), "America/New_York", endsInOverlap)).toBe(true);
    expect(quietHoursEnd(at("2026-11-01T06:10:00Z"), "America/New_York", endsInOverlap)).toEqual(
      at("2026-11-01T06:30:00Z"),
    );
  });
});

describe("quiet hours within one day (12:00-14:00)", () => {
  it("are quiet only between start and end", () => {
    expect(isWithinQuietHours(at("2026-12-04T11:59:00Z"), "UTC", lunch)).toBe(false);
    expect(isWithinQuietHours(at("2026-12-04T12:00:00Z"), "UTC", lunch)).toBe(true);
    expect(isWithinQuietHours(at("2026-12-04T14:00:00Z"), "UTC", lunch)).toBe(false);
    expect(isWithinQuietHours(at("2026-12-04T23:00:00Z"), "UTC", lunch)).toBe(false);
    expect(quietHoursEnd(at("2026-12-04T13:00:00Z"), "UTC", lunch)).toEqual(at("2026-12-04T14:00:00Z"));
  });
});
