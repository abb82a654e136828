// What made leads qualify: for the contacts who became MQL in the period, the behaviour points they
// had earned up to that moment (at their first MQL entry in the period), by rule and by event type.
// Points are counted as earned, before decay: the question is which behaviours got them there, and a
// decayed figure would mostly say how long ago they happened. Fit points describe the contact as it is
// now (no history is kept), so they are not part of this picture.
import { rate } from "./rates.ts";

export interface RuleContributionRow {
  rule: string;
  points: number;
  contributions: number;
  contacts: number;
}

export interface MqlEntryRow {
  source: string;
  entries: number;
}

/** Rule labels read "event_type" or "event_type[property=value,...]" (domain/scoring/score-entries). */
export function eventTypeOfRule(rule: string): string {
  const bracket = rule.indexOf("[");
  return bracket < 0 ? rule : rule.slice(0, bracket);
}

export interface ScoreDriverReport {
  mqls: {
    /** Contacts who entered MQL in the period (each once). */
    contacts: number;
    entries: number;
    /** Entries made by the score threshold (source `scoring`), and by other means (rules, sales, API). */
    byThreshold: number;
    bySource: Array<{ source: string; entries: number }>;
  };
  totalPoints: number;
  rules: Array<RuleContributionRow & { share: number | null }>;
  eventTypes: Array<{ eventType: string; points: number; contributions: number; share: number | null }>;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function scoreDriverReport(input: {
  rules: readonly RuleContributionRow[];
  mqlEntries: readonly MqlEntryRow[];
  mqlContacts: number;
}): ScoreDriverReport {
  const totalPoints = input.rules.reduce((sum, row) => sum + row.points, 0);
  const byType = new Map<string, { eventType: string; points: number; contributions: number }>();
  for (const row of input.rules) {
    const eventType = eventTypeOfRule(row.rule);
    const entry = byType.get(eventType) ?? { eventType, points: 0, contributions: 0 };
    entry.points += row.points;
    entry.contributions += row.contributions;
    byType.set(eventType, entry);
  }
  // Ties in name order, so that the same figures always list the same way.
  const byPoints = <Row extends { points: number }>(a: Row, b: Row, name: (row: Row) => string) =>
    b.points - a.points || name(a).localeCompare(name(b));
  return {
    mqls: {
      contacts: input.mqlContacts,
      entries: input.mqlEntries.reduce((sum, row) => sum + row.entries, 0),
      byThreshold: input.mqlEntries.find((row) => row.source === "scoring")?.entries ?? 0,
      bySource: input.mqlEntries
        .map(({ source, entries }) => ({ source, entries }))
        .sort((a, b) => b.entries - a.entries || a.source.localeCompare(b.source)),
    },
    totalPoints: round2(totalPoints),
    rules: input.rules
      .map((row) => ({ ...row, points: round2(row.points), share: rate(row.points, totalPoints) }))
      .sort((a, b) => byPoints(a, b, (row) => row.rule)),
    eventTypes: [...byType.values()]
      .map((row) => ({ ...row, points: round2(row.points), share: rate(row.points, totalPoints) }))
      .sort((a, b) => byPoints(a, b, (row) => row.eventType)),
  };
}
