// Recomputes behavioural segments from what the store knows (recency, frequency, monetary value):
// after events arrive for some contacts, and in the sweep over contacts whose segment is due to move
// with time. A change closes the open membership row, opens a new one and is announced in the outbox.

import { isLifecycleStage, stageRank } from "../../domain/lifecycle/stages.ts";
import {
  classifySegment,
  nextTimeDrivenChangeAt,
  type RfmProfile,
} from "../../domain/segments/classify-segment.ts";
import type { SegmentThresholds } from "../../domain/segments/segment-thresholds.ts";
import { type BehaviouralSegment, isBehaviouralSegment } from "../../domain/segments/segments.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { RawStatements } from "../../prisma/raw-statements.ts";
import { type ContactChangeRow, enqueueContactChanges } from "../outbox/outbox-writer.ts";

const DAY_MS = 86_400_000;

/** What the store knows about a contact beyond its row: recent orders, an open cart, a win-back. */
export interface SegmentFacts {
  ordersInWindow: number;
  openCartAbandonedAt: Date | null;
  winBackUnansweredAt: Date | null;
}

/** The contact row's part of a profile. */
export interface SegmentedContact {
  id: string;
  anonymous: boolean;
  createdAt: Date;
  lastActivityAt: Date | null;
  lastOrderAt: Date | null;
  orderCount: number;
  revenue: number;
  lifecycleStage: string;
  segment: string;
  segmentCheckAt: Date | null;
}

type ProfileRow = SegmentedContact & SegmentFacts;

export interface SegmentMove {
  contactId: string;
  from: BehaviouralSegment | null;
  to: BehaviouralSegment;
}

/** SQL true for a sequence version `v` that is a win-back: a program entered on the at_risk segment. */
export const WIN_BACK_VERSION = `v.definition->'trigger'->>'type' = 'segment_entered' AND v.definition->'trigger'->>'segment' = 'at_risk'`;

/** SegmentFacts of the contact `c` (a row with an id), as columns. */
function segmentFactsSql(now: Date, thresholds: SegmentThresholds) {
  const windowStart = new Date(now.getTime() - thresholds.repeatWindowDays * DAY_MS);
  return Prisma.sql`
      (SELECT count(*)::int FROM "Order" o
        WHERE o."contactId" = c.id AND o."placedAt" > ${windowStart} AND o."placedAt" <= ${now}) AS "ordersInWindow",
      (SELECT max(k."abandonedAt") FROM "Cart" k
        WHERE k."contactId" = c.id AND k.status = 'abandoned') AS "openCartAbandonedAt",
      (SELECT max(e."endedAt") FROM "Enrollment" e
        JOIN "SequenceVersion" v ON v."sequenceKey" = e."sequenceKey" AND v.version = e."sequenceVersion"
        WHERE e."contactId" = c.id AND e.status = 'completed'
          AND ${Prisma.raw(WIN_BACK_VERSION)}) AS "winBackUnansweredAt"`;
}

/** One statement reads the whole RFM profile of every selected contact. */
function selectProfiles(now: Date, thresholds: SegmentThresholds, where: Prisma.Sql, tail: Prisma.Sql) {
  return Prisma.sql`
    SELECT c.id::text AS id, c.email IS NULL AS anonymous, c."createdAt", c."lastActivityAt",
      c."lastOrderAt", c."orderCount", c."totalRevenue"::float8 AS revenue, c."lifecycleStage", c.segment,
      c."segmentCheckAt", ${segmentFactsSql(now, thresholds)}
    FROM "Contact" c WHERE ${where} ${tail}`;
}

/** SegmentFacts of these contacts, for a caller that holds their rows in memory. */
export async function readSegmentFacts(
  tx: RawStatements,
  contactIds: readonly string[],
  now: Date,
  thresholds: SegmentThresholds,
): Promise<Map<string, SegmentFacts>> {
  if (contactIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<Array<SegmentFacts & { id: string }>>`
    SELECT c.id::text AS id, ${segmentFactsSql(now, thresholds)}
    FROM (SELECT json_array_elements_text(${JSON.stringify(contactIds)}::json)::uuid AS id) c`;
  return new Map(rows.map(({ id, ...facts }) => [id, facts]));
}

function profileOf(row: ProfileRow): RfmProfile {
  return {
    isAnonymous: row.anonymous,
    createdAt: row.createdAt,
    lastActivityAt: row.lastActivityAt,
    lastOrderAt: row.lastOrderAt,
    ordersInWindow: row.ordersInWindow,
    totalOrders: row.orderCount,
    revenue: row.revenue,
    hasQualifiedInterest:
      isLifecycleStage(row.lifecycleStage) && stageRank(row.lifecycleStage) >= stageRank("lead"),
    openCartAbandonedAt: row.openCartAbandonedAt,
    winBackUnansweredAt: row.winBackUnansweredAt,
  };
}

export interface SegmentPlan {
  moves: SegmentMove[];
  /** The contacts whose segment columns change: rewriting a contact row costs as much as changing it. */
  changed: Array<{ id: string; segment: BehaviouralSegment; checkAt: Date | null }>;
}

/**
 * Classifies the contacts. `firstClassification` names contacts created just now: their first
 * segment is an entry (from null) even when it equals the column's default.
 */
export function planSegments(
  rows: readonly ProfileRow[],
  now: Date,
  thresholds: SegmentThresholds,
  firstClassification: ReadonlySet<string>,
): SegmentPlan {
  const plan: SegmentPlan = { moves: [], changed: [] };
  for (const row of rows) {
    const profile = profileOf(row);
    const to = classifySegment(profile, now, thresholds);
    const first = firstClassification.has(row.id);
    const from = !first && isBehaviouralSegment(row.segment) ? row.segment : null;
    if (first || from !== to) plan.moves.push({ contactId: row.id, from, to });
    const checkAt = nextTimeDrivenChangeAt(profile, now, thresholds);
    if (row.segment !== to || row.segmentCheckAt?.getTime() !== checkAt?.getTime()) {
      plan.changed.push({ id: row.id, segment: to, checkAt });
    }
  }
  return plan;
}

/**
 * Closes the open memberships of the contacts that moved and opens their new ones; returns the
 * announcements of the moves, for the caller's outbox write.
 */
export async function recordSegmentMoves(
  tx: RawStatements,
  moves: readonly SegmentMove[],
  now: Date,
): Promise<ContactChangeRow[]> {
  if (moves.length === 0) return [];
  // One statement: the memberships left and the ones entered (the insert's rows are not in the
  // update's snapshot, so a move never closes the membership it opens).
  const entered = JSON.stringify(moves.map((move) => ({ contactId: move.contactId, segment: move.to })));
  await tx.$executeRaw`
    WITH moved AS (SELECT * FROM json_to_recordset(${entered}::json) AS m("contactId" uuid, segment text)),
      closed AS (UPDATE "SegmentMembership" s SET "leftAt" = ${now}::timestamp FROM moved
        WHERE s."contactId" = moved."contactId" AND s."leftAt" IS NULL)
    INSERT INTO "SegmentMembership" ("contactId", segment, "enteredAt")
    SELECT "contactId", segment, ${now}::timestamp FROM moved`;
  const occurredAt = now.toISOString();
  return moves.map((move) => ({
    contactId: move.contactId,
    change: { kind: "segment_changed", from: move.from, to: move.to, occurredAt },
  }));
}

/** Classifies the rows and writes the outcome (see planSegments). */
async function applySegments(
  tx: RawStatements,
  rows: readonly ProfileRow[],
  now: Date,
  thresholds: SegmentThresholds,
  firstClassification: ReadonlySet<string>,
): Promise<SegmentMove[]> {
  if (rows.length === 0) return [];
  const { moves, changed } = planSegments(rows, now, thresholds, firstClassification);
  if (changed.length > 0) {
    await tx.$executeRaw`
      UPDATE "Contact" c SET segment = u.segment, "segmentCheckAt" = u."checkAt"
      FROM json_to_recordset(${JSON.stringify(changed)}::json) AS u(id uuid, segment text, "checkAt" timestamp)
      WHERE c.id = u.id`;
  }
  await enqueueContactChanges(tx, await recordSegmentMoves(tx, moves, now));
  return moves;
}

/** After new facts about these contacts (merges, a stage set by hand); the caller holds their row locks. */
export async function refreshSegments(
  tx: RawStatements,
  contactIds: readonly string[],
  now: Date,
  thresholds: SegmentThresholds,
  firstClassification: ReadonlySet<string> = new Set(),
): Promise<SegmentMove[]> {
  if (contactIds.length === 0) return [];
  const rows = await tx.$queryRaw<ProfileRow[]>(
    selectProfiles(
      now,
      thresholds,
      Prisma.sql`c.id IN (SELECT json_array_elements_text(${JSON.stringify(contactIds)}::json)::uuid)`,
      Prisma.empty,
    ),
  );
  return applySegments(tx, rows, now, thresholds, firstClassification);
}

export interface SweepBatch {
  /** Contacts whose segment was due at `asOf`, in id order after `afterId`. */
  processed: number;
  moves: SegmentMove[];
  /** The last id processed: where the next batch starts; null when this batch was the last. */
  nextCursor: string | null;
}

/**
 * One batch of the time-driven sweep. Contacts locked by a concurrent ingestion are skipped: that
 * ingestion recomputes them anyway, and a still-due contact is picked up by the next sweep.
 */
export async function sweepDueSegments(
  tx: RawStatements,
  asOf: Date,
  afterId: string | null,
  limit: number,
  thresholds: SegmentThresholds,
): Promise<SweepBatch> {
  const after = afterId ? Prisma.sql`AND c.id > ${afterId}::uuid` : Prisma.empty;
  const rows = await tx.$queryRaw<ProfileRow[]>(
    selectProfiles(
      asOf,
      thresholds,
      Prisma.sql`c."segmentCheckAt" <= ${asOf} AND c."mergedIntoId" IS NULL ${after}`,
      Prisma.sql`ORDER BY c.id LIMIT ${limit} FOR UPDATE OF c SKIP LOCKED`,
    ),
  );
  const moves = await applySegments(tx, rows, asOf, thresholds, new Set());
  const last = rows.at(-1);
  return { processed: rows.length, moves, nextCursor: rows.length < limit || !last ? null : last.id };
}
