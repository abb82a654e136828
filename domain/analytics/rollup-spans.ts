// Splitting a stretch of time [start, end) where a roll-up keyed by whole units (UTC hours or days) can
// answer it: the whole units inside are read from the roll-up, the cut units at either edge from the
// facts. Any edge can be served this way (the period's `to` is usually "now"), so the result is exact
// whatever the period, as long as each stretch is read whole.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface RollupSpan {
  start: Date;
  end: Date;
  /** True: whole units, read from the roll-up. False: part of a unit, read from the facts. */
  rolledUp: boolean;
}

/** [start, end) as the whole units of `unitMs` inside it and the parts of units at its edges. */
export function rollupSpans(start: Date, end: Date, unitMs: number): RollupSpan[] {
  const from = start.getTime();
  const to = end.getTime();
  if (from >= to) return [];
  const firstWhole = Math.ceil(from / unitMs) * unitMs;
  const lastWhole = Math.floor(to / unitMs) * unitMs;
  // Both edges inside one unit: nothing whole in between.
  if (firstWhole > lastWhole) return [{ start, end, rolledUp: false }];
  const spans: RollupSpan[] = [];
  const add = (a: number, b: number, rolledUp: boolean) => {
    if (a < b) spans.push({ start: new Date(a), end: new Date(b), rolledUp });
  };
  add(from, firstWhole, false);
  add(firstWhole, lastWhole, true);
  add(lastWhole, to, false);
  return spans;
}
