// Merges an anonymous visitor (ghost) into the contact they turned out to be. Their events, score
// points, carts, orders and anonymous ids move to the contact, so no history is lost; the ghost row
// stays, marked merged, with its own stage and segment history.

import { isLifecycleStage, stageRank } from "../../domain/lifecycle/stages.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import type { RawStatements } from "../../prisma/raw-statements.ts";
import { addActivityFacts } from "./activity-facts.ts";
import { changeStageInTransaction } from "./stage-change.ts";

/** The tables whose rows move to the contact, and whether each keeps an updatedAt. */
const MOVED_WITH_THE_GHOST: Array<[string, boolean]> = [
  ["Event", false],
  ["ScoreContribution", false],
  ["Cart", true],
  ["Order", false],
  ["AnonymousIdentity", false],
];

interface GhostFacts {
  lifecycleStage: string;
  lastActivityAt: Date | null;
  lastOrderAt: Date | null;
  orderCount: number;
  revenue: number;
}

export async function mergeGhostInto(
  tx: RawStatements,
  ghostId: string,
  targetId: string,
  now: Date,
): Promise<void> {
  const [ghost, target] = await Promise.all([
    tx.$queryRaw<GhostFacts[]>`
      SELECT "lifecycleStage", "lastActivityAt", "lastOrderAt", "orderCount", "totalRevenue"::float8 AS revenue
      FROM "Contact" WHERE id = ${ghostId}::uuid`,
    tx.$queryRaw<Array<{ lifecycleStage: string }>>`
      SELECT "lifecycleStage" FROM "Contact" WHERE id = ${targetId}::uuid`,
  ]).then(([ghosts, targets]) => [ghosts[0], targets[0]] as const);
  if (!ghost || !target) throw new Error(`merging ${ghostId} into ${targetId}: no such contact`);
  const mergedAt = new Date();
  for (const [table, touched] of MOVED_WITH_THE_GHOST) {
    const stamp = touched ? Prisma.sql`, "updatedAt" = ${mergedAt}::timestamp` : Prisma.empty;
    await tx.$executeRaw`
      UPDATE ${Prisma.raw(`"${table}"`)} SET "contactId" = ${targetId}::uuid ${stamp}
      WHERE "contactId" = ${ghostId}::uuid`;
  }
  await tx.$executeRaw`
    UPDATE "SegmentMembership" SET "leftAt" = ${now}::timestamp
    WHERE "contactId" = ${ghostId}::uuid AND "leftAt" IS NULL`;
  await tx.$executeRaw`
    UPDATE "Contact" SET "mergedIntoId" = ${targetId}::uuid, "segmentCheckAt" = NULL, "updatedAt" = ${mergedAt}::timestamp
    WHERE id = ${ghostId}::uuid`;
  await addActivityFacts(tx, [
    {
      contactId: targetId,
      lastActivityAt: ghost.lastActivityAt,
      lastOrderAt: ghost.lastOrderAt,
      orders: ghost.orderCount,
      revenue: ghost.revenue,
    },
  ]);
  // What the visitor did anonymously counts: a ghost that downloaded content makes the contact a lead.
  if (
    isLifecycleStage(ghost.lifecycleStage) &&
    isLifecycleStage(target.lifecycleStage) &&
    stageRank(ghost.lifecycleStage) > stageRank(target.lifecycleStage)
  ) {
    await changeStageInTransaction(tx, {
      contactId: targetId,
      to: ghost.lifecycleStage,
      reason: `merged anonymous history of ${ghostId}`,
      source: "event",
      occurredAt: now,
    });
  }
}
