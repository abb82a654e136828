const DAY_MS = 86_400_000;

/** Exponential decay: points halve every halfLifeDays; null means behaviour never fades. */
export function decayedPoints(
  points: number,
  occurredAt: Date,
  now: Date,
  halfLifeDays: number | null,
): number {
  if (halfLifeDays === null) return points;
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be positive, got ${halfLifeDays}`);
  // An event stamped in the future (clock skew) counts as fresh rather than growing.
  const ageDays = Math.max(0, now.getTime() - occurredAt.getTime()) / DAY_MS;
  return points * 0.5 ** (ageDays / halfLifeDays);
}
