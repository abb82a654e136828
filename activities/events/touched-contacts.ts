// The contacts a batch touches, locked and read in one statement and written in one: their activity,
// score, stage and segment are worked out in memory from the locked rows, so each row gets one new
// version per batch instead of one per concern (none of them HOT: those columns are indexed).

import type { RawStatements } from "../../prisma/raw-statements.ts";
import type { StoredStages } from "../contacts/stage-change.ts";
import type { ScoreState } from "../scoring/contact-scores.ts";
import type { SegmentedContact } from "../segments/contact-segments.ts";

export interface TouchedContact extends ScoreState, Omit<SegmentedContact, "revenue">, StoredStages {
  score: number;
  /** totalRevenue in cents, so that adding orders is exact (the column is a decimal). */
  revenueCents: number;
  /** Set when the batch moves the contact's stage, which (alone) moves updatedAt. */
  stageMovedAt?: Date;
}

/** Locks the rows in id order, so concurrent batches touching the same contacts serialise without deadlock. */
export async function lockTouchedContacts(
  tx: RawStatements,
  contactIds: readonly string[],
): Promise<Map<string, TouchedContact>> {
  const rows = await tx.$queryRaw<TouchedContact[]>`
    SELECT id::text AS id, email IS NULL AS anonymous, "createdAt", properties, "lifecycleStage",
      "highestStage", score, "behaviourScore", "scoredAt", "scoreHalfLifeDays", "lastActivityAt",
      "lastOrderAt", "orderCount", ("totalRevenue" * 100)::float8 AS "revenueCents", segment, "segmentCheckAt"
    FROM "Contact"
    WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(contactIds)}::json)::uuid)
    ORDER BY id FOR UPDATE`;
  return new Map(rows.map((row) => [row.id, row]));
}

/** Writes what the batch changed in the contacts, one statement for all of them. */
export async function writeTouchedContacts(
  tx: RawStatements,
  contacts: Iterable<TouchedContact>,
): Promise<void> {
  const rows = [...contacts].map((contact) => ({
    id: contact.id,
    lifecycleStage: contact.lifecycleStage,
    highestStage: contact.highestStage,
    score: contact.score,
    behaviourScore: contact.behaviourScore,
    scoredAt: contact.scoredAt,
    scoreHalfLifeDays: contact.scoreHalfLifeDays,
    lastActivityAt: contact.lastActivityAt,
    lastOrderAt: contact.lastOrderAt,
    orderCount: contact.orderCount,
    revenueCents: contact.revenueCents,
    segment: contact.segment,
    segmentCheckAt: contact.segmentCheckAt,
    updatedAt: contact.stageMovedAt ?? null,
  }));
  if (rows.length === 0) return;
  // One JSON parameter, one value to send however many rows there are. A timestamp ignores the ISO
  // strings' zone suffix: they stay UTC.
  await tx.$executeRaw`
    UPDATE "Contact" c SET "lifecycleStage" = u."lifecycleStage", "highestStage" = u."highestStage",
      score = u.score, "behaviourScore" = u."behaviourScore", "scoredAt" = u."scoredAt",
      "scoreHalfLifeDays" = u."scoreHalfLifeDays", "lastActivityAt" = u."lastActivityAt",
      "lastOrderAt" = u."lastOrderAt", "orderCount" = u."orderCount",
      "totalRevenue" = u."revenueCents"::numeric / 100, segment = u.segment,
      "segmentCheckAt" = u."segmentCheckAt", "updatedAt" = COALESCE(u."updatedAt", c."updatedAt")
    FROM json_to_recordset(${JSON.stringify(rows)}::json) AS u(
      id uuid, "lifecycleStage" text, "highestStage" text, score float8, "behaviourScore" float8,
      "scoredAt" timestamp, "scoreHalfLifeDays" float8, "lastActivityAt" timestamp, "lastOrderAt" timestamp,
      "orderCount" int, "revenueCents" int8, segment text, "segmentCheckAt" timestamp, "updatedAt" timestamp)
    WHERE c.id = u.id`;
}
