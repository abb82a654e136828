// Wall-clock time in a contact's time zone: "09:00 on weekdays in Europe/Rome" as an instant.
// Pure and dependency-free (Intl gives the zone offsets), so workflow code may import it.
//
// Interface:
//   type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"
//   parseTimeOfDay("HH:MM")                 → minutes since midnight, or null when not a time of day
//   isValidTimeZone(zone)                   → whether Intl knows the IANA zone
//   resolveTimeZone(contactZone, fallback)  → the contact's zone when valid, else the fallback, else "UTC"
//   nextLocalTime(now, zone, "HH:MM", days?) → the next instant at/after `now` showing that wall-clock time
//                                              on one of `days` (any day when omitted) in `zone`
//   nextWallClockTime(now, zone, "HH:MM")   → like nextLocalTime, but a repeated (fall-back) time also
//                                              matches its second occurrence (what quiet hours need)
// A time that does not exist that day (spring-forward gap) moves to the first instant after the gap;
// an ambiguous one (fall-back) is its first occurrence for nextLocalTime.

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** Indexed like Date#getUTCDay (0 = Sunday). */
export const WEEKDAYS: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (24-hour, two digits each) → minutes since midnight; null for anything else. */
export function parseTimeOfDay(text: string): number | null {
  const match = TIME_OF_DAY.exec(text);
  if (!match) return null;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** parseTimeOfDay for a time already validated: throws RangeError on a malformed one. */
export function timeOfDayMinutes(time: string): number {
  const minutes = parseTimeOfDay(time);
  if (minutes === null) throw new RangeError(`invalid time of day "${time}" (expected HH:MM)`);
  return minutes;
}

// Formatters are costly to build and are reused for every instant of their zone.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      formatter = null;
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  return timeZone.trim() !== "" && formatterFor(timeZone) !== null;
}

/** The zone to compute in: the contact's own when Intl knows it, else the fallback, else UTC. */
export function resolveTimeZone(contactZone: string | null | undefined, fallbackZone: string): string {
  if (contactZone && isValidTimeZone(contactZone)) return contactZone;
  return isValidTimeZone(fallbackZone) ? fallbackZone : "UTC";
}

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  const formatter = formatterFor(timeZone);
  if (!formatter) throw new RangeError(`unknown time zone "${timeZone}"`);
  return formatter;
}

/** The wall-clock reading of `instantMs` in the zone, expressed as if it were a UTC timestamp. */
function wallClockMs(formatter: Intl.DateTimeFormat, instantMs: number): number {
  const part: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(instantMs)) part[type] = Number(value);
  const wall = Date.UTC(
    part.year ?? 1970,
    (part.month ?? 1) - 1,
    part.day ?? 1,
    part.hour ?? 0,
    part.minute ?? 0,
    part.second ?? 0,
  );
  // Intl drops milliseconds; keep them so the offset is exact.
  return wall + (((instantMs % 1000) + 1000) % 1000);
}

/**
 * Every instant whose wall-clock reading in the zone is `wallMs` (a local date-time written as UTC),
 * earliest first: one normally, two in a fall-back overlap, none in a spring-forward gap.
 */
function instantsShowing(formatter: Intl.DateTimeFormat, wallMs: number): number[] {
  // Offsets from a day either side cover every real transition (none are closer than that).
  const offsets = new Set([
    wallClockMs(formatter, wallMs - DAY_MS) - (wallMs - DAY_MS),
    wallClockMs(formatter, wallMs + DAY_MS) - (wallMs + DAY_MS),
  ]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const instant = wallMs - offset;
    if (wallClockMs(formatter, instant) === wallMs) instants.push(instant);
  }
  return instants.sort((a, b) => a - b);
}

/** The first instant whose wall-clock reading is past `wallMs`, for a `wallMs` inside a gap. */
function firstInstantAfterGap(formatter: Intl.DateTimeFormat, wallMs: number): number {
  const before = wallClockMs(formatter, wallMs - DAY_MS) - (wallMs - DAY_MS);
  const after = wallClockMs(formatter, wallMs + DAY_MS) - (wallMs + DAY_MS);
  // In a gap the clock jumps forward (after > before): wall time rises with the instant, so bisect.
  let low = wallMs - after; // still shows a time before wallMs
  let high = wallMs - before; // already shows a time after wallMs
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallClockMs(formatter, middle) > wallMs) high = middle;
    else low = middle;
  }
  return high;
}

/** Instants showing `minutes` past midnight on the local date of `localDayMs` (midnight, as UTC). */
function occurrencesOn(formatter: Intl.DateTimeFormat, localDayMs: number, minutes: number): number[] {
  const wallMs = localDayMs + minutes * MINUTE_MS;
  const instants = instantsShowing(formatter, wallMs);
  return instants.length > 0 ? instants : [firstInstantAfterGap(formatter, wallMs)];
}

function nextOccurrence(
  now: Date,
  timeZone: string,
  time: string,
  days: readonly Weekday[] | undefined,
  occurrences: "first" | "every",
): Date {
  const minutes = timeOfDayMinutes(time);
  const formatter = zoneFormatter(timeZone);
  const nowMs = now.getTime();
  const today = Math.floor(wallClockMs(formatter, nowMs) / DAY_MS) * DAY_MS;
  const allowed = days && days.length > 0 ? new Set(days) : null;
  // Eight local days always contain the next matching weekday, even when today's time has passed.
  for (let day = 0; day <= 8; day++) {
    const localDay = today + day * DAY_MS;
    if (allowed && !allowed.has(WEEKDAYS[new Date(localDay).getUTCDay()] as Weekday)) continue;
    const candidates = occurrencesOn(formatter, localDay, minutes);
    for (const instant of occurrences === "first" ? candidates.slice(0, 1) : candidates) {
      if (instant >= nowMs) return new Date(instant);
    }
  }
  throw new RangeError("no matching day within a week (days must name weekdays)");
}

/**
 * The next instant at or after `now` that shows `time` ("HH:MM") on one of `days` in `timeZone`.
 * A time skipped by a spring-forward gap becomes the first instant after the gap; a time repeated by a
 * fall-back overlap is its first occurrence (once that has passed, the next matching day's).
 * Throws RangeError for an unknown zone or a malformed time (validate definitions first).
 */
export function nextLocalTime(now: Date, timeZone: string, time: string, days?: readonly Weekday[]): Date {
  return nextOccurrence(now, timeZone, time, days, "first");
}

/** Like nextLocalTime on any day, but the second occurrence of a repeated time also counts. */
export function nextWallClockTime(now: Date, timeZone: string, time: string): Date {
  return nextOccurrence(now, timeZone, time, undefined, "every");
}

/** Minutes since local midnight at `at` in `timeZone` (seconds included as a fraction). */
export function localMinuteOfDay(at: Date, timeZone: string): number {
  const wall = wallClockMs(zoneFormatter(timeZone), at.getTime());
  return (((wall % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS;
}
