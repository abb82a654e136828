// The period a metric covers: [from, to) in UTC instants, read from ISO dates or datetimes in a time
// zone, and the calendar buckets (local days, ISO weeks or months) that "over time" charts group by.
//
// Edges: `from` is inclusive and `to` exclusive. A date names a whole local day in the time zone,
// so `from=2026-11-01&to=2026-11-30` covers all of November there: `from` is the start of its day,
// `to` the end of its day (the next local midnight). A datetime with an offset (`Z`, `+01:00`) is
// that instant; one without an offset is a wall-clock time in the time zone.

export type BucketUnit = "day" | "week" | "month";

export interface ReportPeriod {
  from: Date;
  to: Date;
  timeZone: string;
  bucket: BucketUnit;
}

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time an instant shows in a time zone. */
export function localTimeOf(instant: Date, timeZone: string): LocalDateTime {
  const parts = Object.fromEntries(
    formatterOf(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
    millisecond: instant.getUTCMilliseconds(),
  };
}

function wallClockMs(local: LocalDateTime): number {
  return Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
    local.millisecond,
  );
}

/**
 * The instant a wall-clock time names in a time zone. A time skipped by a spring-forward gap is read
 * with the offset before the gap (02:30 in a 02:00→03:00 gap is 03:30); a repeated fall-back hour is
 * its first occurrence.
 */
export function instantOf(local: LocalDateTime, timeZone: string): Date {
  const wanted = wallClockMs(local);
  const offsetAt = (instant: number) => wallClockMs(localTimeOf(new Date(instant), timeZone)) - instant;
  const firstGuess = wanted - offsetAt(wanted);
  const before = offsetAt(firstGuess - 3_600_000 * 3);
  const after = offsetAt(firstGuess + 3_600_000 * 3);
  // Try the earlier offset first so a repeated hour resolves to its first occurrence.
  for (const offset of before >= after ? [before, after] : [after, before]) {
    const candidate = wanted - offset;
    if (offsetAt(candidate) === offset) return new Date(candidate);
  }
  return new Date(wanted - before);
}

export type PeriodEdge = "from" | "to";

/** Reads one edge; null when the text is not an ISO date or datetime naming a real calendar time. */
export function parsePeriodEdge(text: string, edge: PeriodEdge, timeZone: string): Date | null {
  const date = DATE.exec(text);
  if (date) {
    const local = {
      year: Number(date[1]),
      month: Number(date[2]),
      day: Number(date[3]),
      hour: 0,
      minute: 0,
      second: 0,
      millisecond: 0,
    };
    if (!isCalendarDate(local)) return null;
    // The end of a named day is the next local midnight.
    return instantOf(edge === "to" ? addCalendar(local, "day", 1) : local, timeZone);
  }
  const datetime = DATETIME.exec(text);
  if (!datetime) return null;
  const local = {
    year: Number(datetime[1]),
    month: Number(datetime[2]),
    day: Number(datetime[3]),
    hour: Number(datetime[4]),
    minute: Number(datetime[5]),
    second: Number(datetime[6] ?? 0),
    millisecond: Number((datetime[7] ?? "0").padEnd(3, "0")),
  };
  if (!isCalendarDate(local) || local.hour > 23 || local.minute > 59 || local.second > 59) return null;
  const offset = datetime[8];
  if (offset === undefined) return instantOf(local, timeZone);
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function isCalendarDate({ year, month, day }: LocalDateTime): boolean {
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

function addCalendar(local: LocalDateTime, unit: BucketUnit, count: number): LocalDateTime {
  const days = unit === "day" ? count : unit === "week" ? 7 * count : 0;
  const months = unit === "month" ? count : 0;
  const moved = new Date(Date.UTC(local.year, local.month - 1 + months, local.day + days));
  return {
    ...local,
    year: moved.getUTCFullYear(),
    month: moved.getUTCMonth() + 1,
    day: moved.getUTCDate(),
  };
}

const DAY_MS = 86_400_000;

/** Days for up to two months, ISO weeks up to about a year, months beyond. */
export function defaultBucket(from: Date, to: Date): BucketUnit {
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  return days <= 62 ? "day" : days <= 371 ? "week" : "month";
}

export interface PeriodBucket {
  /** The local date the bucket starts on (YYYY-MM-DD): what the SQL groups by and charts label. */
  label: string;
  start: Date;
  end: Date;
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");
export const localDateLabel = (local: LocalDateTime) =>
  `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}`;

/** Truncates a local time to the start of its bucket (weeks start on Monday, as in ISO 8601). */
function bucketStartOf(local: LocalDateTime, unit: BucketUnit): LocalDateTime {
  const midnight = { ...local, hour: 0, minute: 0, second: 0, millisecond: 0 };
  if (unit === "day") return midnight;
  if (unit === "month") return { ...midnight, day: 1 };
  const weekday = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
  return addCalendar(midnight, "day", -((weekday + 6) % 7));
}

/** The buckets the period touches, in order; the first and last are clipped to the period. */
export function periodBuckets(period: ReportPeriod): PeriodBucket[] {
  const buckets: PeriodBucket[] = [];
  let local = bucketStartOf(localTimeOf(period.from, period.timeZone), period.bucket);
  let start = instantOf(local, period.timeZone);
  while (start < period.to) {
    const nextLocal = addCalendar(local, period.bucket, 1);
    const next = instantOf(nextLocal, period.timeZone);
    buckets.push({
      label: localDateLabel(local),
      start: new Date(Math.max(start.getTime(), period.from.getTime())),
      end: new Date(Math.min(next.getTime(), period.to.getTime())),
    });
    local = nextLocal;
    start = next;
  }
  return buckets;
}
