// Lead scores in the contact store: behaviour points are recorded per event (ScoreContribution) and
// decay when read; fit points come from the contact's properties as they are now.

import type { ContactEvent } from "../../domain/events/event-types.ts";
import { type ScoreContributor, scoreOf, topContributors } from "../../domain/scoring/score.ts";
import { fitEntries, pointsForEvent, type ScoreEntry } from "../../domain/scoring/score-entries.ts";
import type { ScoringRules } from "../../domain/scoring/scoring-rules.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

type ScoreReader = Pick<Prisma.TransactionClient, "contact" | "scoreContribution">;

/** Records the behaviour points each event earns under the current rules. */
export async function recordEventPoints(
  tx: Prisma.TransactionClient,
  events: ReadonlyArray<ContactEvent & { contactId: string }>,
  rules: ScoringRules,
): Promise<void> {
  const data = events.flatMap((event) =>
    pointsForEvent(event, rules).map((entry) => ({
      contactId: event.contactId,
      rule: entry.rule,
      points: entry.points,
      occurredAt: event.occurredAt,
    })),
  );
  if (data.length > 0) await tx.scoreContribution.createMany({ data });
}

export async function loadScoreEntries(
  db: ScoreReader,
  contactIds: readonly string[],
  rules: ScoringRules,
): Promise<Map<string, ScoreEntry[]>> {
  const ids = [...contactIds];
  const [contacts, contributions] = await Promise.all([
    db.contact.findMany({ where: { id: { in: ids } }, select: { id: true, properties: true } }),
    db.scoreContribution.findMany({
      where: { contactId: { in: ids } },
      select: { contactId: true, rule: true, points: true, occurredAt: true },
    }),
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

/** Recomputes and stores the scores of these contacts as of `now`; returns them by contact id. */
export async function refreshScores(
  tx: Prisma.TransactionClient,
  contactIds: readonly string[],
  now: Date,
  rules: ScoringRules,
): Promise<Map<string, number>> {
  const scores = new Map<string, number>();
  for (const [contactId, entries] of await loadScoreEntries(tx, contactIds, rules)) {
    scores.set(contactId, scoreOf(entries, now, rules));
  }
  if (scores.size > 0) {
    await tx.$executeRaw`
      UPDATE "Contact" c SET score = u.score
      FROM unnest(${[...scores.keys()]}::uuid[], ${[...scores.values()]}::float8[]) AS u(id, score)
      WHERE c.id = u.id`;
  }
  return scores;
}

export interface ScoreReport {
  score: number;
  mqlThreshold: number;
  halfLifeDays: number | null;
  topContributors: ScoreContributor[];
}

/** "What drives this score": the score as of now and its largest contributors. */
export async function scoreReport(
  db: ScoreReader,
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
