// Quiet hours: a daily span of local time in which marketing email waits, e.g. 21:00-08:00 (over
// midnight) or 12:00-14:00. Pure, so the workflow driver and the simulator decide alike.
//
// Interface:
//   type QuietHours = { start: "HH:MM"; end: "HH:MM" }   start inclusive, end exclusive; start ≠ end
//   parseQuietHours("21:00-08:00" | "off")  → { ok: true, value: QuietHours | null } | { ok: false, error }
//   formatQuietHours(quietHours | null)     → "21:00-08:00" or "off"
//   isWithinQuietHours(at, zone, quietHours) → whether the wall clock at `at` in `zone` is in the span
//   quietHoursEnd(at, zone, quietHours)     → `at` when outside, else the first later instant outside
import type { Parsed } from "../parsed.ts";
import { localMinuteOfDay, nextWallClockTime, parseTimeOfDay, timeOfDayMinutes } from "./local-time.ts";

export interface QuietHours {
  /** "HH:MM", the first quiet minute. */
  start: string;
  /** "HH:MM", the first minute sending may resume; before `start` when the span covers midnight. */
  end: string;
}

/** "21:00-08:00" → the span; "off" → null (no quiet hours). */
export function parseQuietHours(text: string): Parsed<QuietHours | null> {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return { ok: true, value: null };
  const [start, end, ...rest] = trimmed.split("-").map((part) => part.trim());
  if (rest.length > 0 || start === undefined || end === undefined) {
    return { ok: false, error: 'quiet hours must be "HH:MM-HH:MM" (e.g. 21:00-08:00) or off' };
  }
  const from = parseTimeOfDay(start);
  const to = parseTimeOfDay(end);
  if (from === null || to === null) {
    return { ok: false, error: `quiet hours "${trimmed}": times must be HH:MM, 00:00 to 23:59` };
  }
  if (from === to) return { ok: false, error: `quiet hours "${trimmed}": start and end must differ` };
  return { ok: true, value: { start, end } };
}

export function formatQuietHours(quietHours: QuietHours | null): string {
  return quietHours ? `${quietHours.start}-${quietHours.end}` : "off";
}

export function isWithinQuietHours(at: Date, timeZone: string, quietHours: QuietHours): boolean {
  const now = localMinuteOfDay(at, timeZone);
  const start = timeOfDayMinutes(quietHours.start);
  const end = timeOfDayMinutes(quietHours.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * The first instant at or after `at` outside quiet hours: `at` itself when it is outside, else the next
 * time the local clock shows `end` (after a spring-forward gap swallowing `end`, the end of the gap).
 */
export function quietHoursEnd(at: Date, timeZone: string, quietHours: QuietHours): Date {
  if (!isWithinQuietHours(at, timeZone, quietHours)) return at;
  return nextWallClockTime(at, timeZone, quietHours.end);
}
