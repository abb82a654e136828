import { describe, expect, it } from "vitest";
import {
  classifySegment,
  nextTimeDrivenChangeAt,
  type RfmProfile,
} from "../../../../domain/segments/classify-segment.ts";
import { DEFAULT_SEGMENT_THRESHOLDS as T } from "../../../../domain/segments/segment-thresholds.ts";
import type { BehaviouralSegment } from "../../../../domain/segments/segments.ts";

const DAY = 86_400_000;
const now = new Date("2025-06-01T12:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);
const inDays = (days: number) => new Date(now.getTime() + days * DAY);

function prospect(overrides: Partial<RfmProfile> = {}): RfmProfile {
  return {
    isAnonymous: false,
    createdAt: daysAgo(400),
    lastActivityAt: daysAgo(1),
    lastOrderAt: null,
    ordersInWindow: 0,
    totalOrders: 0,
    revenue: 0,
    hasQualifiedInterest: false,
    openCartAbandonedAt: null,
    winBackUnansweredAt: null,
    ...overrides,
  };
}

function customer(orders: number, revenue: number, overrides: Partial<RfmProfile> = {}): RfmProfile {
  return prospect({
    hasQualifiedInterest: true,
    lastOrderAt: daysAgo(3),
    ordersInWindow: orders,
    totalOrders: orders,
    revenue,
    ...overrides,
  });
}

const hero = () => customer(5, 1000);
const segmentOf = (profile: RfmProfile, at: Date = now) => classifySegment(profile, at, T);

describe("default segment thresholds", () => {
  it("escalate silence from waiting to lost", () => {
    expect(T.waitingWithinDays).toBeLessThan(T.heroEngagedWithinDays);
    expect(T.heroEngagedWithinDays).toBeLessThan(T.atRiskAfterDays);
    expect(T.atRiskAfterDays).toBeLessThan(T.lostAfterDays);
    expect(T.repeatOrders).toBeLessThan(T.heroOrders);
  });
});

describe("ghost", () => {
  it("is entered by an anonymous visitor", () => {
    expect(segmentOf(prospect({ isAnonymous: true }))).toBe("ghost");
  });

  it("takes precedence over everything else", () => {
    expect(segmentOf(customer(9, 5000, { isAnonymous: true }))).toBe("ghost");
    expect(
      segmentOf(prospect({ isAnonymous: true, lastActivityAt: daysAgo(400), createdAt: daysAgo(400) })),
    ).toBe("ghost");
    expect(segmentOf(prospect({ isAnonymous: true, openCartAbandonedAt: daysAgo(1) }))).toBe("ghost");
  });

  it("is left when the visitor is identified", () => {
    expect(segmentOf(prospect({ isAnonymous: false }))).toBe("new");
    expect(segmentOf(prospect({ isAnonymous: false, hasQualifiedInterest: true }))).toBe("lead");
  });

  it("never changes with time alone", () => {
    expect(nextTimeDrivenChangeAt(prospect({ isAnonymous: true }), now, T)).toBeNull();
  });
});

describe("new", () => {
  it("is entered by an identified contact we know little about", () => {
    expect(segmentOf(prospect({ createdAt: now, lastActivityAt: null }))).toBe("new");
  });

  it("is left on showing qualified interest", () => {
    expect(segmentOf(prospect({ hasQualifiedInterest: true }))).toBe("lead");
  });

  it("is left on a first order", () => {
    expect(segmentOf(customer(1, 40, { hasQualifiedInterest: false }))).toBe("occasional");
  });

  it("is left after atRiskAfterDays without a sign of life, counting from creation", () => {
    const silent = prospect({ createdAt: daysAgo(T.atRiskAfterDays), lastActivityAt: null });
    expect(segmentOf(silent)).toBe("at_risk");
    expect(nextTimeDrivenChangeAt(prospect({ createdAt: now, lastActivityAt: null }), now, T)).toEqual(
      inDays(T.atRiskAfterDays),
    );
  });
});

describe("lead", () => {
  const lead = (overrides: Partial<RfmProfile> = {}) =>
    prospect({ hasQualifiedInterest: true, ...overrides });

  it("is entered by a prospect with qualified interest", () => {
    expect(segmentOf(lead())).toBe("lead");
  });

  it("is left when a cart is abandoned", () => {
    expect(segmentOf(lead({ openCartAbandonedAt: daysAgo(1) }))).toBe("waiting");
  });

  it("is left on a first order", () => {
    expect(segmentOf(customer(1, 40))).toBe("occasional");
  });

  it("is left after atRiskAfterDays of silence", () => {
    expect(segmentOf(lead({ lastActivityAt: daysAgo(T.atRiskAfterDays) }))).toBe("at_risk");
    expect(nextTimeDrivenChangeAt(lead(), now, T)).toEqual(daysAgo(1 - T.atRiskAfterDays));
  });
});

describe("waiting", () => {
  const waiting = (abandonedDaysAgo: number, overrides: Partial<RfmProfile> = {}) =>
    prospect({
      hasQualifiedInterest: true,
      lastActivityAt: daysAgo(abandonedDaysAgo),
      openCartAbandonedAt: daysAgo(abandonedDaysAgo),
      ...overrides,
    });

  it("is entered by a prospect with a recently abandoned open cart, qualified or not", () => {
    expect(segmentOf(waiting(0))).toBe("waiting");
    expect(segmentOf(waiting(3, { hasQualifiedInterest: false }))).toBe("waiting");
  });

  it("is left when waitingWithinDays have passed, exactly at the boundary", () => {
    const profile = waiting(1);
    const expiry = inDays(T.waitingWithinDays - 1);
    expect(segmentOf(profile, new Date(expiry.getTime() - 1))).toBe("waiting");
    expect(segmentOf(profile, expiry)).toBe("lead");
    expect(nextTimeDrivenChangeAt(profile, now, T)).toEqual(expiry);
    expect(segmentOf(waiting(T.waitingWithinDays, { hasQualifiedInterest: false }))).toBe("new");
  });

  it("is left when the cart is purchased", () => {
    expect(segmentOf(customer(1, 80, { openCartAbandonedAt: null, lastOrderAt: now }))).toBe("occasional");
  });

  it("is left when the cart is emptied", () => {
    expect(segmentOf(waiting(1, { openCartAbandonedAt: null }))).toBe("lead");
  });

  it("does not apply to customers, who keep their customer segment", () => {
    expect(segmentOf(customer(1, 40, { openCartAbandonedAt: daysAgo(1) }))).toBe("occasional");
    expect(segmentOf(customer(2, 90, { openCartAbandonedAt: daysAgo(1) }))).toBe("repeat");
  });

  it("counts the abandonment as a sign of life", () => {
    const stale = waiting(2, { lastActivityAt: daysAgo(T.atRiskAfterDays + 10) });
    expect(segmentOf(stale)).toBe("waiting");
  });
});

describe("occasional", () => {
  it("is entered by a customer with one order", () => {
    expect(segmentOf(customer(1, 40))).toBe("occasional");
  });

  it("is left on a second order within the window", () => {
    expect(segmentOf(customer(2, 80))).toBe("repeat");
  });

  it("is kept by a customer whose earlier orders fell out of the window", () => {
    expect(segmentOf(customer(1, 400, { totalOrders: 6 }))).toBe("occasional");
  });

  it("is left after atRiskAfterDays of silence", () => {
    const silent = customer(1, 40, { lastActivityAt: daysAgo(70), lastOrderAt: daysAgo(70) });
    expect(segmentOf(silent)).toBe("at_risk");
  });
});

describe("repeat", () => {
  it("is entered with repeatOrders orders within the window", () => {
    expect(segmentOf(customer(T.repeatOrders, 80))).toBe("repeat");
    expect(segmentOf(customer(4, 5000))).toBe("repeat");
  });

  it("is left for hero when frequent, valuable and engaged", () => {
    expect(segmentOf(customer(5, 1000))).toBe("hero");
  });

  it("is left for occasional when orders age out of the window", () => {
    expect(segmentOf(customer(1, 80, { totalOrders: 2 }))).toBe("occasional");
  });

  it("is left after atRiskAfterDays of silence", () => {
    expect(segmentOf(customer(3, 200, { lastActivityAt: daysAgo(60), lastOrderAt: daysAgo(60) }))).toBe(
      "at_risk",
    );
  });
});

describe("hero", () => {
  it("is entered with heroOrders in the window, heroRevenue and recent engagement", () => {
    expect(segmentOf(hero())).toBe("hero");
  });

  it("needs every criterion", () => {
    expect(segmentOf(customer(5, 999.99))).toBe("repeat");
    expect(segmentOf(customer(4, 5000))).toBe("repeat");
    expect(segmentOf(customer(4, 5000, { totalOrders: 20 }))).toBe("repeat");
    expect(segmentOf(customer(5, 1000, { lastActivityAt: daysAgo(30), lastOrderAt: daysAgo(30) }))).toBe(
      "repeat",
    );
  });

  it("counts an order as engagement", () => {
    expect(segmentOf(customer(5, 1000, { lastActivityAt: daysAgo(40), lastOrderAt: daysAgo(2) }))).toBe(
      "hero",
    );
  });

  it("is left for repeat after heroEngagedWithinDays without a sign of life", () => {
    const profile = hero();
    const lapse = inDays(T.heroEngagedWithinDays - 1);
    expect(segmentOf(profile, new Date(lapse.getTime() - 1))).toBe("hero");
    expect(segmentOf(profile, lapse)).toBe("repeat");
    expect(nextTimeDrivenChangeAt(profile, now, T)).toEqual(lapse);
  });

  it("is left for at_risk by a long silence, recency beating value", () => {
    expect(segmentOf(customer(10, 10_000, { lastActivityAt: daysAgo(60), lastOrderAt: daysAgo(60) }))).toBe(
      "at_risk",
    );
  });
});

describe("at_risk", () => {
  const silentFor = (days: number) =>
    customer(3, 300, { lastActivityAt: daysAgo(days), lastOrderAt: daysAgo(days) });

  it("is entered exactly atRiskAfterDays after the last sign of life", () => {
    expect(segmentOf(silentFor(T.atRiskAfterDays))).toBe("at_risk");
    expect(segmentOf(silentFor(T.atRiskAfterDays), new Date(now.getTime() - 1))).toBe("repeat");
  });

  it("is left by any interaction, back to the segment the contact had", () => {
    expect(segmentOf(silentFor(90))).toBe("at_risk");
    expect(segmentOf({ ...silentFor(90), lastActivityAt: now })).toBe("repeat");
  });

  it("is left for lost after lostAfterDays", () => {
    expect(segmentOf(silentFor(T.lostAfterDays))).toBe("lost");
    expect(nextTimeDrivenChangeAt(silentFor(90), now, T)).toEqual(inDays(T.lostAfterDays - 90));
  });

  it("applies to silent prospects too", () => {
    expect(segmentOf(prospect({ hasQualifiedInterest: true, lastActivityAt: daysAgo(100) }))).toBe("at_risk");
  });
});

describe("lost", () => {
  it("is entered lostAfterDays after the last sign of life", () => {
    const lost = prospect({ createdAt: daysAgo(400), lastActivityAt: daysAgo(T.lostAfterDays) });
    expect(segmentOf(lost)).toBe("lost");
    expect(segmentOf(lost, new Date(now.getTime() - 1))).toBe("at_risk");
  });

  it("is left by an interaction", () => {
    const lost = customer(1, 40, { lastActivityAt: daysAgo(300), lastOrderAt: daysAgo(300) });
    expect(segmentOf(lost)).toBe("lost");
    expect(segmentOf({ ...lost, lastActivityAt: now })).toBe("occasional");
    expect(segmentOf({ ...lost, lastOrderAt: now, ordersInWindow: 1, totalOrders: 2 })).toBe("occasional");
  });

  it("never changes with time alone", () => {
    expect(
      nextTimeDrivenChangeAt(prospect({ lastActivityAt: daysAgo(500), createdAt: daysAgo(500) }), now, T),
    ).toBeNull();
  });
});

describe("time-driven changes", () => {
  function walk(profile: RfmProfile): Array<[BehaviouralSegment, Date]> {
    const steps: Array<[BehaviouralSegment, Date]> = [[segmentOf(profile), now]];
    let at: Date | null = nextTimeDrivenChangeAt(profile, now, T);
    while (at) {
      steps.push([segmentOf(profile, at), at]);
      at = nextTimeDrivenChangeAt(profile, at, T);
    }
    return steps;
  }

  it("moves an active customer to at_risk, then lost", () => {
    const active = customer(1, 40, { lastActivityAt: now, lastOrderAt: daysAgo(10) });
    expect(walk(active)).toEqual([
      ["occasional", now],
      ["at_risk", inDays(T.atRiskAfterDays)],
      ["lost", inDays(T.lostAfterDays)],
    ]);
  });

  it("moves a hero through repeat, at_risk and lost", () => {
    const active = customer(6, 2000, { lastActivityAt: now });
    expect(walk(active)).toEqual([
      ["hero", now],
      ["repeat", inDays(T.heroEngagedWithinDays)],
      ["at_risk", inDays(T.atRiskAfterDays)],
      ["lost", inDays(T.lostAfterDays)],
    ]);
  });

  it("moves a waiting prospect back to lead, then to at_risk and lost", () => {
    const waiting = prospect({ hasQualifiedInterest: true, lastActivityAt: now, openCartAbandonedAt: now });
    expect(walk(waiting)).toEqual([
      ["waiting", now],
      ["lead", inDays(T.waitingWithinDays)],
      ["at_risk", inDays(T.atRiskAfterDays)],
      ["lost", inDays(T.lostAfterDays)],
    ]);
  });

  it("skips boundaries that do not change the segment", () => {
    const withCart = customer(1, 40, { lastActivityAt: now, openCartAbandonedAt: daysAgo(1) });
    expect(nextTimeDrivenChangeAt(withCart, now, T)).toEqual(inDays(T.atRiskAfterDays));
  });

  it("uses the configured thresholds", () => {
    const quick = { ...T, atRiskAfterDays: 10, lostAfterDays: 20 };
    const active = prospect({ lastActivityAt: now });
    expect(nextTimeDrivenChangeAt(active, now, quick)).toEqual(inDays(10));
    expect(classifySegment(active, inDays(10), quick)).toBe("at_risk");
    expect(nextTimeDrivenChangeAt(active, inDays(10), quick)).toEqual(inDays(20));
  });

  it("is exact: the segment holds until the returned instant and changes at it", () => {
    const profiles: RfmProfile[] = [];
    for (const seen of [0, 5, 29, 30, 59, 61, 179]) {
      for (const orders of [0, 1, 2, 5]) {
        for (const cart of [null, 0, 3, 6, 8]) {
          profiles.push({
            ...prospect({ lastActivityAt: daysAgo(seen), createdAt: daysAgo(200) }),
            hasQualifiedInterest: seen % 2 === 0,
            ordersInWindow: orders,
            totalOrders: orders,
            revenue: orders * 250,
            lastOrderAt: orders > 0 ? daysAgo(seen) : null,
            openCartAbandonedAt: cart === null ? null : daysAgo(Math.max(cart, seen)),
          });
        }
      }
    }
    for (const profile of profiles) {
      const current = segmentOf(profile);
      const next = nextTimeDrivenChangeAt(profile, now, T);
      expect(next).not.toBeNull();
      if (!next) continue;
      expect(next.getTime()).toBeGreaterThan(now.getTime());
      expect(segmentOf(profile, new Date(next.getTime() - 1))).toBe(current);
      expect(segmentOf(profile, next)).not.toBe(current);
    }
  });
});

describe("lost after an unanswered win-back", () => {
  const atRisk = (overrides: Partial<RfmProfile> = {}) =>
    customer(2, 300, {
      lastActivityAt: daysAgo(T.atRiskAfterDays + 20),
      lastOrderAt: daysAgo(200),
      ...overrides,
    });

  it("is entered as soon as the win-back ends, long before lostAfterDays", () => {
    expect(segmentOf(atRisk())).toBe("at_risk");
    expect(segmentOf(atRisk({ winBackUnansweredAt: daysAgo(1) }))).toBe("lost");
  });

  it("stays lost as time passes: the sweep has nothing to schedule", () => {
    const profile = atRisk({ winBackUnansweredAt: daysAgo(1) });
    expect(nextTimeDrivenChangeAt(profile, now, T)).toBeNull();
  });

  it("is left by any sign of life after the win-back ended", () => {
    expect(segmentOf(atRisk({ winBackUnansweredAt: daysAgo(2), lastActivityAt: daysAgo(1) }))).toBe("repeat");
    expect(
      segmentOf(
        prospect({ hasQualifiedInterest: true, winBackUnansweredAt: daysAgo(2), lastActivityAt: daysAgo(1) }),
      ),
    ).toBe("lead");
  });

  it("does not outrank ghost", () => {
    expect(segmentOf(atRisk({ isAnonymous: true, winBackUnansweredAt: daysAgo(1) }))).toBe("ghost");
  });
});
