import type { SegmentThresholds } from "./segment-thresholds.ts";
import type { BehaviouralSegment } from "./segments.ts";

const DAY_MS = 86_400_000;

/** Recency, frequency and monetary facts about one contact, as of the moment it is classified. */
export interface RfmProfile {
  isAnonymous: boolean;
  createdAt: Date;
  /** Latest event of any kind. */
  lastActivityAt: Date | null;
  lastOrderAt: Date | null;
  /** Orders within SegmentThresholds.repeatWindowDays before now. */
  ordersInWindow: number;
  totalOrders: number;
  /** Lifetime revenue. */
  revenue: number;
  /** Shown qualified interest, e.g. lifecycle stage lead or beyond. */
  hasQualifiedInterest: boolean;
  /** When the contact's open (not purchased, not emptied) cart was abandoned, if there is one. */
  openCartAbandonedAt: Date | null;
  /**
   * When a win-back (a program entered on at_risk) last ran to its end without an answer: its goals
   * are the contact's return to activity, so a run that completed was never answered.
   */
  winBackUnansweredAt: Date | null;
}

function lastSignOfLife(profile: RfmProfile): number {
  return Math.max(
    profile.createdAt.getTime(),
    profile.lastActivityAt?.getTime() ?? Number.NEGATIVE_INFINITY,
    profile.lastOrderAt?.getTime() ?? Number.NEGATIVE_INFINITY,
    profile.openCartAbandonedAt?.getTime() ?? Number.NEGATIVE_INFINITY,
  );
}

/**
 * Precedence, first match wins:
 * 1. ghost      anonymous: nothing else about them is reliable and they cannot be contacted.
 * 2. lost       no sign of life for lostAfterDays, or none since a win-back went unanswered: no more
 *               marketing until they interact again (receivesMarketing).
 * 3. at_risk    no sign of life for atRiskAfterDays. Recency beats value: a silent hero needs win-back.
 * 4. hero       customer with heroOrders in the window, heroRevenue lifetime, seen within heroEngagedWithinDays.
 * 5. repeat     customer with repeatOrders in the window.
 * 6. occasional any other customer.
 * 7. waiting    prospect with an open cart abandoned within waitingWithinDays. Customers keep their
 *               customer segment: cart recovery starts from the event, and flapping would churn programs.
 * 8. lead       prospect with qualified interest.
 * 9. new        any other identified prospect: known, but little known about.
 */
export function classifySegment(
  profile: RfmProfile,
  now: Date,
  thresholds: SegmentThresholds,
): BehaviouralSegment {
  if (profile.isAnonymous) return "ghost";
  const seen = lastSignOfLife(profile);
  const silentMs = now.getTime() - seen;
  if (silentMs >= thresholds.lostAfterDays * DAY_MS) return "lost";
  if (profile.winBackUnansweredAt && seen <= profile.winBackUnansweredAt.getTime()) return "lost";
  if (silentMs >= thresholds.atRiskAfterDays * DAY_MS) return "at_risk";
  if (profile.totalOrders > 0) {
    if (
      profile.ordersInWindow >= thresholds.heroOrders &&
      profile.revenue >= thresholds.heroRevenue &&
      silentMs < thresholds.heroEngagedWithinDays * DAY_MS
    ) {
      return "hero";
    }
    return profile.ordersInWindow >= thresholds.repeatOrders ? "repeat" : "occasional";
  }
  if (
    profile.openCartAbandonedAt &&
    now.getTime() - profile.openCartAbandonedAt.getTime() < thresholds.waitingWithinDays * DAY_MS
  ) {
    return "waiting";
  }
  return profile.hasQualifiedInterest ? "lead" : "new";
}

/**
 * When the segment changes if nothing else happens, for the sweep to schedule; null when never.
 * Only recency is foreseeable: ordersInWindow is a count, so an order ageing out of the repeat window
 * (repeat → occasional, hero → repeat) shows only when the profile is rebuilt.
 */
export function nextTimeDrivenChangeAt(
  profile: RfmProfile,
  now: Date,
  thresholds: SegmentThresholds,
): Date | null {
  const current = classifySegment(profile, now, thresholds);
  const seen = lastSignOfLife(profile);
  // The segment is constant between these instants: every time-driven rule flips at one of them.
  const boundaries = [
    seen + thresholds.heroEngagedWithinDays * DAY_MS,
    seen + thresholds.atRiskAfterDays * DAY_MS,
    seen + thresholds.lostAfterDays * DAY_MS,
  ];
  if (profile.openCartAbandonedAt) {
    boundaries.push(profile.openCartAbandonedAt.getTime() + thresholds.waitingWithinDays * DAY_MS);
  }
  const next = boundaries
    .filter((ms) => ms > now.getTime())
    .sort((a, b) => a - b)
    .find((ms) => classifySegment(profile, new Date(ms), thresholds) !== current);
  return next === undefined ? null : new Date(next);
}
