import { decayedPoints } from "./decay.ts";
import type { ScoreEntry } from "./score-entries.ts";
import type { ScoringRules } from "./scoring-rules.ts";

export interface ScoreContributor {
  rule: string;
  /** Decayed points, summed over every entry of the rule. */
  points: number;
  count: number;
}

type DecayRules = Pick<ScoringRules, "halfLifeDays">;

// Code-unit order, not localeCompare: output must not depend on the host's locale.
function byLabel(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Decay yields long fractions; two decimals keep scores stable to show, store and compare.
export function roundPoints(points: number): number {
  return Math.round(points * 100) / 100;
}

function currentPoints(entry: ScoreEntry, now: Date, rules: DecayRules): number {
  return entry.kind === "fit"
    ? entry.points
    : decayedPoints(entry.points, entry.occurredAt, now, rules.halfLifeDays);
}

export function scoreOf(entries: readonly ScoreEntry[], now: Date, rules: DecayRules): number {
  return roundPoints(entries.reduce((total, entry) => total + currentPoints(entry, now, rules), 0));
}

/** What drives a score: rules by current points, highest first (ties by rule label, for stable output). */
export function topContributors(
  entries: readonly ScoreEntry[],
  now: Date,
  rules: DecayRules,
  limit: number,
): ScoreContributor[] {
  const byRule = new Map<string, ScoreContributor>();
  for (const entry of entries) {
    const contributor = byRule.get(entry.rule) ?? { rule: entry.rule, points: 0, count: 0 };
    contributor.points += currentPoints(entry, now, rules);
    contributor.count += 1;
    byRule.set(entry.rule, contributor);
  }
  return [...byRule.values()]
    .map((contributor) => ({ ...contributor, points: roundPoints(contributor.points) }))
    .sort((a, b) => b.points - a.points || byLabel(a.rule, b.rule))
    .slice(0, limit);
}
