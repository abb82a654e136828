import { decayedPoints } from "./decay.ts";
import { roundPoints } from "./score.ts";
import type { ScoreEntry } from "./score-entries.ts";
import type { ScoringRules } from "./scoring-rules.ts";

/**
 * A contact's behaviour points decayed to `at`, kept so a score can move without reading its whole
 * history: exponential decay distributes over a sum, so decaying the total to a later time equals
 * decaying every point. That holds only while no point is later than `at` (a later one would be
 * counted fresh, never decayed) and under the half-life the total was decayed with.
 */
export interface RunningScore {
  points: number;
  at: Date;
  halfLifeDays: number | null;
}

type DecayRules = Pick<ScoringRules, "halfLifeDays">;

const latest = (a: Date, b: Date) => (a > b ? a : b);

/** Rebuilds the running score from every behaviour entry, decayed to now or to the latest entry. */
export function runningScoreOf(entries: readonly ScoreEntry[], now: Date, rules: DecayRules): RunningScore {
  let at = now;
  for (const entry of entries) if (entry.kind === "behaviour") at = latest(at, entry.occurredAt);
  let points = 0;
  for (const entry of entries) {
    if (entry.kind === "behaviour")
      points += decayedPoints(entry.points, entry.occurredAt, at, rules.halfLifeDays);
  }
  return { points, at, halfLifeDays: rules.halfLifeDays };
}

/**
 * The running score as of now with the new behaviour entries added, or null when that would not be
 * exact (another half-life, or a point later than now) and it must be rebuilt from every entry.
 * `running` null means no points so far.
 */
export function advanceRunningScore(
  running: RunningScore | null,
  added: readonly ScoreEntry[],
  now: Date,
  rules: DecayRules,
): RunningScore | null {
  if (running && (running.halfLifeDays !== rules.halfLifeDays || running.at > now)) return null;
  let points = running ? decayedPoints(running.points, running.at, now, rules.halfLifeDays) : 0;
  for (const entry of added) {
    if (entry.kind !== "behaviour") continue;
    if (entry.occurredAt > now) return null;
    points += decayedPoints(entry.points, entry.occurredAt, now, rules.halfLifeDays);
  }
  return { points, at: now, halfLifeDays: rules.halfLifeDays };
}

/** The score as of the running score's own time: its behaviour points plus the fit entries. */
export function scoreFromRunning(running: RunningScore, fit: readonly ScoreEntry[]): number {
  return roundPoints(fit.reduce((total, entry) => total + entry.points, running.points));
}
