// Lead scores in the contact store: behaviour points are recorded per event (ScoreContribution) and
// decay with time; fit points come from the contact's properties as they are now. The contact row
// keeps its score and the running score it moves from.

import type { ContactEvent } from "../../domain/events/event-types.ts";
import {
  advanceRunningScore,
  type RunningScore,
  runningScoreOf,
  scoreFromRunning,
} from "../../domain/scoring/running-score.ts";
import { type ScoreContributor, scoreOf, topContributors } from "../../domain/scoring/score.ts";
import {
  type BehaviourEntry,
  fitEntries,
  pointsForEvent,
  type ScoreEntry,
} from "../../domain/scoring/score-entries.ts";
import type { ScoringRules } from "../../domain/scoring/scoring-rules.ts";
import type { RawStatements } from "../../prisma/raw-statements.ts";

export async function loadScoreEntries(
  db: RawStatements,
  contactIds: readonly string[],
  rules: ScoringRules,
): Promise<Map<string, ScoreEntry[]>> {
  const ids = JSON.stringify(contactIds);
  const [contacts, contributions] = await Promise.all([
    db.$queryRaw<Array<{ id: string; properties: unknown }>>`
      SELECT id::text AS id, properties FROM "Contact"
      WHERE id IN (SELECT json_array_elements_text(${ids}::json)::uuid)`,
    db.$queryRaw<Array<{ contactId: string; rule: string; points: number; occurredAt: Date }>>`
      SELECT "contactId"::text AS "contactId", rule, points, "occurredAt" FROM "ScoreContribution"
      WHERE "contactId" IN (SELECT json_array_elements_text(${ids}::json)::uuid)`,
  ]);
  const entries = new Map<string, ScoreEntry[]>(
    contacts.map((contact) => [
      contact.id,
      fitEntries((contact.properties ?? {}) as Record<string, unknown>, rules),
    ]),
  );
  for (const row of contributions) {
    entries.get(row.contactId)?.push({
      kind: "behaviour",
      rule: row.rule,
      points: row.points,
      occurredAt: row.occurredAt,
    });
  }
  return entries;
}

/** What a contact row says about its score: the running score and the properties its fit comes from. */
export interface ScoreState {
  id: string;
  properties: Record<string, unknown> | null;
  behaviourScore: number;
  scoredAt: Date | null;
  scoreHalfLifeDays: number | null;
}

/** A contact's score as of now and the running score it moves from next time. */
export interface MovedScore {
  score: number;
  running: RunningScore;
}

async function recordPoints(
  tx: RawStatements,
  points: ReadonlyArray<{ contactId: string; entry: BehaviourEntry }>,
): Promise<void> {
  if (points.length === 0) return;
  const rows = points.map(({ contactId, entry }) => ({ contactId, ...entry }));
  await tx.$executeRaw`
    INSERT INTO "ScoreContribution" ("contactId", rule, points, "occurredAt")
    SELECT "contactId", rule, points, "occurredAt" FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS u("contactId" uuid, rule text, points float8, "occurredAt" timestamp)`;
}

/**
 * Records the behaviour points the events earn and works out the scores of these contacts (whose rows
 * the caller has locked and read) as of now, without writing them. A score moves from the contact's
 * running score, so the cost does not grow with its history; it is rebuilt from every recorded point
 * when the running score cannot be advanced exactly (see advanceRunningScore) and for `rebuild`, the
 * contacts that received points some other way (a merged ghost's).
 */
export async function moveScores(
  tx: RawStatements,
  contacts: readonly ScoreState[],
  events: ReadonlyArray<ContactEvent & { contactId: string }>,
  now: Date,
  rules: ScoringRules,
  rebuild: ReadonlySet<string>,
): Promise<Map<string, MovedScore>> {
  const points = events.flatMap((event) =>
    pointsForEvent(event, rules).map((entry) => ({ contactId: event.contactId, entry })),
  );
  await recordPoints(tx, points);
  const added = new Map<string, BehaviourEntry[]>();
  for (const { contactId, entry } of points) {
    const mine = added.get(contactId);
    if (mine) mine.push(entry);
    else added.set(contactId, [entry]);
  }
  const moved = new Map<string, MovedScore>();
  const stale: string[] = [];
  for (const row of contacts) {
    const previous = row.scoredAt
      ? { points: row.behaviourScore, at: row.scoredAt, halfLifeDays: row.scoreHalfLifeDays }
      : null;
    const next = rebuild.has(row.id)
      ? null
      : advanceRunningScore(previous, added.get(row.id) ?? [], now, rules);
    if (next)
      moved.set(row.id, {
        score: scoreFromRunning(next, fitEntries(row.properties ?? {}, rules)),
        running: next,
      });
    else stale.push(row.id);
  }
  for (const [contactId, entries] of stale.length > 0 ? await loadScoreEntries(tx, stale, rules) : []) {
    moved.set(contactId, {
      score: scoreOf(entries, now, rules),
      running: runningScoreOf(entries, now, rules),
    });
  }
  return moved;
}

/** moveScores for contacts the caller has locked but not read, writing the scores; returns them by id. */
export async function scoreEvents(
  tx: RawStatements,
  contactIds: readonly string[],
  events: ReadonlyArray<ContactEvent & { contactId: string }>,
  now: Date,
  rules: ScoringRules,
  rebuild: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const stored = await tx.$queryRaw<ScoreState[]>`
    SELECT id::text AS id, properties, "behaviourScore", "scoredAt", "scoreHalfLifeDays"
    FROM "Contact" WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(contactIds)}::json)::uuid)`;
  const moved = await moveScores(tx, stored, events, now, rules, rebuild);
  if (moved.size === 0) return new Map();
  const updates = [...moved].map(([id, { score, running }]) => ({ id, score, ...running }));
  await tx.$executeRaw`
    UPDATE "Contact" c SET score = u.score, "behaviourScore" = u.points, "scoredAt" = u.at,
      "scoreHalfLifeDays" = u."halfLifeDays"
    FROM json_to_recordset(${JSON.stringify(updates)}::json)
      AS u(id uuid, score float8, points float8, at timestamp, "halfLifeDays" float8)
    WHERE c.id = u.id`;
  return new Map([...moved].map(([id, { score }]) => [id, score]));
}

export interface ScoreReport {
  score: number;
  mqlThreshold: number;
  halfLifeDays: number | null;
  topContributors: ScoreContributor[];
}

/** "What drives this score": the score as of now and its largest contributors. */
export async function scoreReport(
  db: RawStatements,
  contactId: string,
  now: Date,
  rules: ScoringRules,
  limit: number,
): Promise<ScoreReport> {
  const entries = (await loadScoreEntries(db, [contactId], rules)).get(contactId) ?? [];
  return {
    score: scoreOf(entries, now, rules),
    mqlThreshold: rules.mqlThreshold,
    halfLifeDays: rules.halfLifeDays,
    topContributors: topContributors(entries, now, rules, limit),
  };
}
