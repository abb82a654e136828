// Per-contact frequency caps on marketing email, across every sequence: "2/1d,5/7d" is at most two
// in any 24 hours and five in any 7 days. Pure, so the workflow driver and the simulator agree.
//
// Interface:
//   type FrequencyCap = { limit: number; window: string }     window is a duration ("1d", "7d", "12h")
//   parseFrequencyCaps("2/1d,5/7d" | "off") → { ok: true, value: FrequencyCap[] } | { ok: false, error }
//                                             ("off" gives [], no cap)
//   formatFrequencyCaps(caps)              → "2/1d,5/7d" or "off"; formatFrequencyCap(cap) → "2/1d"
//   capsAllowAt(at, sends, caps)           → { at: Date, cap: FrequencyCap | null }: the first instant at
//                                             or after `at` where every cap has room (cap: the one that
//                                             held the send back, null when `at` itself has room)
import type { Parsed } from "../parsed.ts";
import { durationMs, parseDuration } from "../sequences/duration.ts";

export interface FrequencyCap {
  /** Marketing sends allowed in any window of this length; at least 1. */
  limit: number;
  /** A duration such as "1d" or "7d": the sliding window. */
  window: string;
}

const CAP_PATTERN = /^(\d+)\s*\/\s*(\S+)$/;

export function parseFrequencyCaps(text: string): Parsed<FrequencyCap[]> {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return { ok: true, value: [] };
  const caps: FrequencyCap[] = [];
  for (const part of trimmed.split(",").map((piece) => piece.trim())) {
    const match = CAP_PATTERN.exec(part);
    const limit = match ? Number(match[1]) : Number.NaN;
    const window = match?.[2] ?? "";
    const windowMs = parseDuration(window);
    if (!match || !Number.isSafeInteger(limit) || limit < 1 || windowMs === null || windowMs <= 0) {
      return {
        ok: false,
        error: `frequency cap "${part}" must be <count>/<duration> with a count of at least 1, e.g. 2/1d,5/7d (or off)`,
      };
    }
    caps.push({ limit, window });
  }
  return { ok: true, value: caps };
}

export function formatFrequencyCap(cap: FrequencyCap): string {
  return `${cap.limit}/${cap.window}`;
}

export function formatFrequencyCaps(caps: readonly FrequencyCap[]): string {
  return caps.length === 0 ? "off" : caps.map(formatFrequencyCap).join(",");
}

/**
 * A send at `s` fills a cap's window until `s + window`, so a cap of L has room at `x` once fewer than L
 * sends lie after `x - window`: from the L-th most recent send plus the window on. Sends later than
 * `at` (a reservation from a clock slightly ahead) count too, so the answer only errs on the safe side.
 */
export function capsAllowAt(
  at: Date,
  sends: readonly Date[],
  caps: readonly FrequencyCap[],
): { at: Date; cap: FrequencyCap | null } {
  const newestFirst = sends.map((send) => send.getTime()).sort((a, b) => b - a);
  let allowed = at.getTime();
  let binding: FrequencyCap | null = null;
  for (const cap of caps) {
    const lth = newestFirst[cap.limit - 1];
    if (lth === undefined) continue;
    const freeFrom = lth + durationMs(cap.window);
    if (freeFrom > allowed) {
      allowed = freeFrom;
      binding = cap;
    }
  }
  return { at: binding ? new Date(allowed) : at, cap: binding };
}
