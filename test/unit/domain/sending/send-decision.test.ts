import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FrequencyCap } from "../../../../domain/sending/frequency-cap.ts";
import { decideSend, type SendDecisionInput } from "../../../../domain/sending/send-decision.ts";
import { durationMs } from "../../../../domain/sequences/duration.ts";
import { isWithinQuietHours, type QuietHours } from "../../../../domain/time/quiet-hours.ts";

const at = (iso: string) => new Date(iso);
const overnight: QuietHours = { start: "21:00", end: "08:00" };
const oneADay: FrequencyCap[] = [{ limit: 1, window: "1d" }];

// Friday 4 December 2026, 12:00 in Rome (UTC+1).
const base: SendDecisionInput = {
  now: at("2026-12-04T11:00:00Z"),
  category: "marketing",
  timeZone: "Europe/Rome",
  fallbackTimeZone: "UTC",
  recentMarketingSends: [],
  caps: oneADay,
  quietHours: overnight,
  firstDueAt: at("2026-12-04T11:00:00Z"),
};

describe("decideSend", () => {
  it("sends when the caps have room and it is not quiet", () => {
    expect(decideSend(base)).toEqual({ action: "send" });
    expect(decideSend({ ...base, recentMarketingSends: [at("2026-12-03T10:00:00Z")] })).toEqual({
      action: "send",
    });
  });

  it("defers a send over the cap until the earlier send leaves the window", () => {
    const decision = decideSend({ ...base, recentMarketingSends: [at("2026-12-04T09:30:00Z")] });
    expect(decision).toEqual({
      action: "defer",
      until: at("2026-12-05T09:30:00Z"),
      reason: "frequency cap 1/1d reached",
    });
  });

  it("defers a send in quiet hours to their end in the contact's zone", () => {
    // 22:30 in Rome → 08:00 the next morning, 07:00 UTC.
    const late = at("2026-12-04T21:30:00Z");
    expect(decideSend({ ...base, now: late, firstDueAt: late })).toEqual({
      action: "defer",
      until: at("2026-12-05T07:00:00Z"),
      reason: "quiet hours 21:00-08:00 in Europe/Rome",
    });
  });

  it("defers to a moment that satisfies both rules at once", () => {
    // The cap frees at 21:30 UTC (22:30 in Rome, quiet): the send waits for 08:00 in Rome.
    const decision = decideSend({ ...base, recentMarketingSends: [at("2026-12-03T21:30:00Z")] });
    expect(decision).toEqual({
      action: "defer",
      until: at("2026-12-05T07:00:00Z"),
      reason: "frequency cap 1/1d reached, then quiet hours 21:00-08:00 in Europe/Rome",
    });
  });

  it("uses the fallback zone for a contact without one, or with an unknown one", () => {
    const late = at("2026-12-04T21:30:00Z"); // 16:30 in New York, 22:30 in Rome
    const input = { ...base, now: late, firstDueAt: late, fallbackTimeZone: "America/New_York" };
    expect(decideSend({ ...input, timeZone: null })).toEqual({ action: "send" });
    expect(decideSend({ ...input, timeZone: "Mars/Olympus" })).toEqual({ action: "send" });
    expect(decideSend({ ...input, timeZone: "Europe/Rome" })).toMatchObject({ action: "defer" });
  });

  it("exempts transactional sends from caps, quiet hours and expiry", () => {
    const late = at("2026-12-04T21:30:00Z");
    expect(
      decideSend({
        ...base,
        category: "transactional",
        now: late,
        recentMarketingSends: [at("2026-12-04T21:00:00Z")],
        firstDueAt: at("2026-11-01T00:00:00Z"),
      }),
    ).toEqual({ action: "send" });
  });

  it("expires a send delayed more than the expiry past when it was due", () => {
    const decision = decideSend({ ...base, firstDueAt: at("2026-12-01T10:59:59Z") });
    expect(decision).toMatchObject({ action: "expire", reason: expect.stringContaining("3d") });
    // Exactly at the limit it still goes.
    expect(decideSend({ ...base, firstDueAt: at("2026-12-01T11:00:00Z") })).toEqual({ action: "send" });
  });

  it("expires, rather than defers, when the next allowed moment is past the expiry", () => {
    const decision = decideSend({
      ...base,
      recentMarketingSends: [at("2026-12-04T09:30:00Z")],
      expiry: "12h",
    });
    expect(decision).toMatchObject({
      action: "expire",
      reason: expect.stringContaining("frequency cap 1/1d reached"),
    });
    expect(
      decideSend({ ...base, recentMarketingSends: [at("2026-12-04T09:30:00Z")], expiry: "2d" }),
    ).toMatchObject({ action: "defer" });
  });

  it("sends when asked again at the moment it deferred to", () => {
    const input = { ...base, recentMarketingSends: [at("2026-12-03T21:30:00Z")] };
    const first = decideSend(input);
    expect(first.action).toBe("defer");
    if (first.action === "defer")
      expect(decideSend({ ...input, now: first.until })).toEqual({ action: "send" });
  });
});

// Property: against a brute-force oracle. Every input lies on a 15-minute grid (instants, windows,
// quiet hours; the zones' offsets and DST changes are whole quarter hours too), so the rules can only
// change at grid points and scanning them finds the first allowed moment exactly.
const QUARTER = 15 * 60_000;
const zones = ["UTC", "Europe/Rome", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"];
const quarter = (min: number, max: number) => fc.integer({ min, max }).map((n) => n * QUARTER);
const clock = fc
  .integer({ min: 0, max: 95 })
  .map((q) => `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`);

const inputs = fc
  .record({
    // 2025-2027, covering every DST change of those years.
    now: quarter(Date.UTC(2025, 0, 1) / QUARTER, Date.UTC(2027, 11, 1) / QUARTER),
    zone: fc.option(fc.constantFrom(...zones), { nil: null }),
    fallback: fc.constantFrom(...zones),
    sendsAgo: fc.array(quarter(0, 8 * 96), { maxLength: 8 }),
    caps: fc.array(
      fc.record({
        limit: fc.integer({ min: 1, max: 4 }),
        window: fc.constantFrom("15m", "1h", "6h", "12h", "1d", "2d", "7d"),
      }),
      { maxLength: 3 },
    ),
    quietHours: fc.option(
      fc.record({ start: clock, end: clock }).filter((q) => q.start !== q.end),
      { nil: null },
    ),
    dueAgo: quarter(0, 4 * 96),
    expiry: fc.option(fc.constantFrom("1h", "12h", "1d", "3d"), { nil: undefined }),
  })
  .map(
    (g): SendDecisionInput => ({
      now: new Date(g.now),
      category: "marketing",
      timeZone: g.zone,
      fallbackTimeZone: g.fallback,
      recentMarketingSends: g.sendsAgo.map((ago) => new Date(g.now - ago)),
      caps: g.caps,
      quietHours: g.quietHours,
      firstDueAt: new Date(g.now - g.dueAgo),
      ...(g.expiry ? { expiry: g.expiry } : {}),
    }),
  );

function allowedAt(input: SendDecisionInput, moment: number): boolean {
  const zone = input.timeZone ?? input.fallbackTimeZone;
  const capsHaveRoom = input.caps.every(
    (cap) =>
      input.recentMarketingSends.filter((send) => send.getTime() > moment - durationMs(cap.window)).length <
      cap.limit,
  );
  return capsHaveRoom && !(input.quietHours && isWithinQuietHours(new Date(moment), zone, input.quietHours));
}

function firstAllowed(input: SendDecisionInput, deadline: number): number | null {
  for (let moment = input.now.getTime(); moment <= deadline; moment += QUARTER) {
    if (allowedAt(input, moment)) return moment;
  }
  return null;
}

describe("decideSend properties", () => {
  it("defers to the first moment both rules allow, sends when now is allowed, expires only past the expiry", () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const deadline = input.firstDueAt.getTime() + durationMs(input.expiry ?? "3d");
        const decision = decideSend(input);
        const expected = input.now.getTime() > deadline ? null : firstAllowed(input, deadline);
        if (expected === null) {
          expect(decision.action).toBe("expire");
        } else if (expected === input.now.getTime()) {
          expect(decision).toEqual({ action: "send" });
        } else {
          expect(decision).toMatchObject({ action: "defer", until: new Date(expected) });
        }
        if (decision.action === "defer") {
          expect(allowedAt(input, decision.until.getTime())).toBe(true);
          expect(decision.reason).not.toBe("");
        }
      }),
      { numRuns: 400 },
    );
  });

  it("never holds back a transactional send", () => {
    fc.assert(
      fc.property(inputs, (input) => {
        expect(decideSend({ ...input, category: "transactional" })).toEqual({ action: "send" });
      }),
      { numRuns: 100 },
    );
  });
});
