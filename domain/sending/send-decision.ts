// Whether a sequence email goes out now, waits for the next allowed moment, or is given up as too late.
// The one place the sending rules are applied: the decision activity (real runs) and the simulator
// both call decideSend, so a simulation defers exactly where the real run would.
//
// Interface:
//   decideSend({ now, category, timeZone, fallbackTimeZone, recentMarketingSends, caps, quietHours,
//                firstDueAt, expiry? }) → SendDecision
//   type SendDecision = { action: "send" }
//                     | { action: "defer"; until: Date; reason: string }
//                     | { action: "expire"; reason: string }
//   DEFAULT_SEND_EXPIRY = "3d"
// Marketing sends wait for room under every frequency cap AND for the end of quiet hours in the
// contact's zone (`until` satisfies both at once); they are never dropped, except that a send whose
// first due moment lies more than `expiry` back, or whose next allowed moment lies past that, expires.
// Transactional sends are exempt from caps, quiet hours and expiry.
import { durationMs } from "../sequences/duration.ts";
import { resolveTimeZone } from "../time/local-time.ts";
import { formatQuietHours, type QuietHours, quietHoursEnd } from "../time/quiet-hours.ts";
import { capsAllowAt, type FrequencyCap, formatFrequencyCap } from "./frequency-cap.ts";

export type SendCategory = "marketing" | "transactional";

/** How long a marketing send may be deferred or delayed past its first due moment, unless a step says. */
export const DEFAULT_SEND_EXPIRY = "3d";

export interface SendDecisionInput {
  now: Date;
  category: SendCategory;
  /** The contact's own zone; missing or unknown → fallbackTimeZone (→ UTC when that is unknown too). */
  timeZone: string | null | undefined;
  fallbackTimeZone: string;
  /** When this contact's earlier marketing emails went (or were reserved), from every sequence. */
  recentMarketingSends: readonly Date[];
  caps: readonly FrequencyCap[];
  quietHours: QuietHours | null;
  /** When the step first became due, before any deferral: expiry counts from here. */
  firstDueAt: Date;
  /** A duration ("3d", "12h"); default DEFAULT_SEND_EXPIRY. Validated by the sequence language. */
  expiry?: string;
}

export type SendDecision =
  | { action: "send" }
  | { action: "defer"; until: Date; reason: string }
  | { action: "expire"; reason: string };

export function decideSend(input: SendDecisionInput): SendDecision {
  if (input.category === "transactional") return { action: "send" };
  const expiry = input.expiry ?? DEFAULT_SEND_EXPIRY;
  const deadline = input.firstDueAt.getTime() + durationMs(expiry);
  if (input.now.getTime() > deadline) {
    return {
      action: "expire",
      reason: `not sent within ${expiry} of ${input.firstDueAt.toISOString()}, when it was due`,
    };
  }

  // Caps only loosen as time passes, so once they have room they keep it: the end of quiet hours after
  // the first moment with room is the first moment both rules allow.
  const zone = resolveTimeZone(input.timeZone, input.fallbackTimeZone);
  const capped = capsAllowAt(input.now, input.recentMarketingSends, input.caps);
  const until = input.quietHours ? quietHoursEnd(capped.at, zone, input.quietHours) : capped.at;
  if (until.getTime() === input.now.getTime()) return { action: "send" };

  const reasons: string[] = [];
  if (capped.cap) reasons.push(`frequency cap ${formatFrequencyCap(capped.cap)} reached`);
  if (until.getTime() !== capped.at.getTime()) {
    reasons.push(`quiet hours ${formatQuietHours(input.quietHours)} in ${zone}`);
  }
  const reason = reasons.join(", then ");
  if (until.getTime() > deadline) {
    return {
      action: "expire",
      reason: `${reason}: the next allowed moment, ${until.toISOString()}, is more than ${expiry} after it was due`,
    };
  }
  return { action: "defer", until, reason };
}
