import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isValidTimeZone,
  localMinuteOfDay,
  nextLocalTime,
  nextWallClockTime,
  parseTimeOfDay,
  resolveTimeZone,
  WEEKDAYS,
  type Weekday,
} from "../../../../domain/time/local-time.ts";

const at = (iso: string) => new Date(iso);

describe("parseTimeOfDay", () => {
  it("reads HH:MM as minutes since midnight", () => {
    expect(parseTimeOfDay("00:00")).toBe(0);
    expect(parseTimeOfDay("09:30")).toBe(570);
    expect(parseTimeOfDay("23:59")).toBe(1439);
  });

  it("refuses anything else", () => {
    for (const text of ["24:00", "9:00", "09:60", "0900", "09:00:00", " 09:00", ""]) {
      expect(parseTimeOfDay(text)).toBeNull();
    }
  });
});

describe("nextLocalTime", () => {
  it("returns today's time when it has not passed, tomorrow's when it has", () => {
    expect(nextLocalTime(at("2026-12-04T08:00:00Z"), "UTC", "09:00")).toEqual(at("2026-12-04T09:00:00Z"));
    expect(nextLocalTime(at("2026-12-04T10:00:00Z"), "UTC", "09:00")).toEqual(at("2026-12-05T09:00:00Z"));
  });

  it("counts an instant exactly at the time as at/after now", () => {
    expect(nextLocalTime(at("2026-12-04T09:00:00Z"), "UTC", "09:00")).toEqual(at("2026-12-04T09:00:00Z"));
  });

  it("works in the zone's wall clock, not UTC", () => {
    // Rome is UTC+1 in December: 09:00 local is 08:00 UTC.
    expect(nextLocalTime(at("2026-12-04T07:00:00Z"), "Europe/Rome", "09:00")).toEqual(
      at("2026-12-04T08:00:00Z"),
    );
    // New York is UTC-5 in December; 23:30 local on the 3rd is already the 4th in UTC.
    expect(nextLocalTime(at("2026-12-04T01:00:00Z"), "America/New_York", "23:30")).toEqual(
      at("2026-12-04T04:30:00Z"),
    );
  });

  it("skips to the next listed weekday", () => {
    const weekdays: Weekday[] = ["mon", "tue", "wed", "thu", "fri"];
    // Friday 2026-12-04 10:00 is past 09:00: the next weekday morning is Monday the 7th.
    expect(nextLocalTime(at("2026-12-04T10:00:00Z"), "UTC", "09:00", weekdays)).toEqual(
      at("2026-12-07T09:00:00Z"),
    );
    expect(nextLocalTime(at("2026-12-04T08:00:00Z"), "UTC", "09:00", weekdays)).toEqual(
      at("2026-12-04T09:00:00Z"),
    );
    // A single weekday that has just passed today is a week away.
    expect(nextLocalTime(at("2026-12-04T10:00:00Z"), "UTC", "09:00", ["fri"])).toEqual(
      at("2026-12-11T09:00:00Z"),
    );
  });

  it("takes the weekday in the contact's zone, not in UTC", () => {
    // 2026-12-05T02:00Z is Saturday in UTC but still Friday evening in New York.
    expect(nextLocalTime(at("2026-12-05T02:00:00Z"), "America/New_York", "22:00", ["fri"])).toEqual(
      at("2026-12-05T03:00:00Z"),
    );
  });

  it("an empty day list means every day", () => {
    expect(nextLocalTime(at("2026-12-04T10:00:00Z"), "UTC", "09:00", [])).toEqual(at("2026-12-05T09:00:00Z"));
  });

  describe("DST spring-forward (a skipped time moves to the end of the gap)", () => {
    it("Europe/Rome, 29 March 2026: 02:00-03:00 does not exist", () => {
      const before = at("2026-03-28T12:00:00Z");
      expect(nextLocalTime(before, "Europe/Rome", "02:30")).toEqual(at("2026-03-29T01:00:00Z"));
      expect(nextLocalTime(before, "Europe/Rome", "02:00")).toEqual(at("2026-03-29T01:00:00Z"));
      expect(nextLocalTime(before, "Europe/Rome", "01:59")).toEqual(at("2026-03-29T00:59:00Z"));
      expect(nextLocalTime(before, "Europe/Rome", "03:00")).toEqual(at("2026-03-29T01:00:00Z"));
      // After the change the offset is +2.
      expect(nextLocalTime(before, "Europe/Rome", "09:00")).toEqual(at("2026-03-29T07:00:00Z"));
      // The next day the skipped time exists again.
      expect(nextLocalTime(at("2026-03-29T02:00:00Z"), "Europe/Rome", "02:30")).toEqual(
        at("2026-03-30T00:30:00Z"),
      );
    });

    it("America/New_York, 8 March 2026: 02:00-03:00 does not exist", () => {
      const before = at("2026-03-07T12:00:00Z");
      expect(nextLocalTime(before, "America/New_York", "02:30")).toEqual(at("2026-03-08T07:00:00Z"));
      expect(nextLocalTime(before, "America/New_York", "01:59")).toEqual(at("2026-03-08T06:59:00Z"));
      expect(nextLocalTime(before, "America/New_York", "03:00")).toEqual(at("2026-03-08T07:00:00Z"));
    });
  });

  describe("DST fall-back (a repeated time is its first occurrence)", () => {
    it("Europe/Rome, 25 October 2026: 02:00-03:00 happens twice", () => {
      // First 02:30 is CEST (00:30Z), the second CET (01:30Z).
      expect(nextLocalTime(at("2026-10-24T12:00:00Z"), "Europe/Rome", "02:30")).toEqual(
        at("2026-10-25T00:30:00Z"),
      );
      // Once the first has passed, the day's 02:30 is spent: the next is the 26th (CET).
      expect(nextLocalTime(at("2026-10-25T01:00:00Z"), "Europe/Rome", "02:30")).toEqual(
        at("2026-10-26T01:30:00Z"),
      );
      expect(nextLocalTime(at("2026-10-24T12:00:00Z"), "Europe/Rome", "09:00")).toEqual(
        at("2026-10-25T08:00:00Z"),
      );
    });

    it("America/New_York, 1 November 2026: 01:00-02:00 happens twice", () => {
      expect(nextLocalTime(at("2026-10-31T12:00:00Z"), "America/New_York", "01:30")).toEqual(
        at("2026-11-01T05:30:00Z"),
      );
      expect(nextLocalTime(at("2026-11-01T06:00:00Z"), "America/New_York", "01:30")).toEqual(
        at("2026-11-02T06:30:00Z"),
      );
    });

    it("nextWallClockTime also matches the second occurrence", () => {
      expect(nextWallClockTime(at("2026-11-01T06:00:00Z"), "America/New_York", "01:30")).toEqual(
        at("2026-11-01T06:30:00Z"),
      );
      expect(nextWallClockTime(at("2026-10-25T01:00:00Z"), "Europe/Rome", "02:30")).toEqual(
        at("2026-10-25T01:30:00Z"),
      );
    });
  });

  it("refuses an unknown zone and a malformed time", () => {
    expect(() => nextLocalTime(at("2026-12-04T08:00:00Z"), "Mars/Olympus", "09:00")).toThrow(RangeError);
    expect(() => nextLocalTime(at("2026-12-04T08:00:00Z"), "UTC", "9am")).toThrow(RangeError);
  });

  const zones = ["UTC", "Europe/Rome", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"];
  const times = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
  const instants = fc
    .integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) })
    .map((ms) => new Date(ms));

  it("property: the answer is at/after now, within 8 days, on an allowed day, at that wall time or just after a gap", () => {
    fc.assert(
      fc.property(
        instants,
        fc.constantFrom(...zones),
        times,
        fc.subarray([...WEEKDAYS], { minLength: 1 }),
        (now, zone, time, days) => {
          const next = nextLocalTime(now, zone, time, days);
          expect(next.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(next.getTime() - now.getTime()).toBeLessThanOrEqual(8 * 86_400_000);
          const wanted = parseTimeOfDay(time) as number;
          const shown = localMinuteOfDay(next, zone);
          if (shown !== wanted) {
            // Only a skipped time may move, and then to the instant the clock jumped to.
            const justBefore = localMinuteOfDay(new Date(next.getTime() - 1), zone);
            expect(shown).toBeGreaterThan(wanted);
            expect(justBefore).toBeLessThan(wanted);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("time zones", () => {
  it("knows IANA zones and refuses others", () => {
    expect(isValidTimeZone("Europe/Rome")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("falls back for a contact without a zone or with an invalid one", () => {
    expect(resolveTimeZone("America/New_York", "Europe/Rome")).toBe("America/New_York");
    expect(resolveTimeZone(undefined, "Europe/Rome")).toBe("Europe/Rome");
    expect(resolveTimeZone(null, "Europe/Rome")).toBe("Europe/Rome");
    expect(resolveTimeZone("", "Europe/Rome")).toBe("Europe/Rome");
    expect(resolveTimeZone("Mars/Olympus", "Europe/Rome")).toBe("Europe/Rome");
    expect(resolveTimeZone(undefined, "also/wrong")).toBe("UTC");
  });

  it("a contact without a zone gets the fallback zone's local time", () => {
    const zone = resolveTimeZone(undefined, "America/New_York");
    expect(nextLocalTime(at("2026-12-04T10:00:00Z"), zone, "09:00")).toEqual(at("2026-12-04T14:00:00Z"));
  });
});
