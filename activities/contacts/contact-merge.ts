// Merges an anonymous visitor (ghost) into the contact they turned out to be. Their events, score
// points, carts, orders and anonymous ids move to the contact, so no history is lost; the ghost row
// stays, marked merged, with its own stage and segment history.

import { isLifecycleStage, stageRank } from "../../domain/lifecycle/stages.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { addActivityFacts } from "./activity-facts.ts";
import { changeStageInTransaction } from "./stage-change.ts";

export async function mergeGhostInto(
  tx: Prisma.TransactionClient,
  ghostId: string,
  targetId: string,
  now: Date,
): Promise<void> {
  const [ghost, target] = await Promise.all([
    tx.contact.findUniqueOrThrow({ where: { id: ghostId } }),
    tx.contact.findUniqueOrThrow({ where: { id: targetId }, select: { lifecycleStage: true } }),
  ]);
  const move = { where: { contactId: ghostId }, data: { contactId: targetId } };
  await tx.event.updateMany(move);
  await tx.scoreContribution.updateMany(move);
  await tx.cart.updateMany(move);
  await tx.order.updateMany(move);
  await tx.anonymousIdentity.updateMany(move);
  await tx.segmentMembership.updateMany({
    where: { contactId: ghostId, leftAt: null },
    data: { leftAt: now },
  });
  await tx.contact.update({ where: { id: ghostId }, data: { mergedIntoId: targetId, segmentCheckAt: null } });
  await addActivityFacts(tx, [
    {
      contactId: targetId,
      lastActivityAt: ghost.lastActivityAt,
      lastOrderAt: ghost.lastOrderAt,
      orders: ghost.orderCount,
      revenue: ghost.totalRevenue.toNumber(),
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
