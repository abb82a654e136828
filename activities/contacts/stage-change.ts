// Moves a contact to a lifecycle stage: the contact row, its stage history and the outbox row are
// written in one transaction.

import {
  higherStage,
  isLifecycleStage,
  type LifecycleStage,
  type StageChangeSource,
} from "../../domain/lifecycle/stages.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { enqueueContactChange } from "../outbox/outbox-writer.ts";

export interface StageChangeRequest {
  contactId: string;
  to: LifecycleStage;
  reason: string;
  source: StageChangeSource;
  occurredAt?: Date;
}

export type StageChangeOutcome =
  | { changed: false; stage: LifecycleStage }
  | { changed: true; from: LifecycleStage; to: LifecycleStage; highestStage: LifecycleStage };

export class ContactNotFoundError extends Error {
  constructor(readonly contactId: string) {
    super(`contact ${contactId} not found`);
  }
}

/** Runs inside the caller's transaction; locks the contact row so concurrent moves serialise. */
export async function changeStageInTransaction(
  tx: Prisma.TransactionClient,
  request: StageChangeRequest,
): Promise<StageChangeOutcome> {
  const rows = await tx.$queryRaw<Array<{ lifecycleStage: string; highestStage: string }>>`
    SELECT "lifecycleStage", "highestStage" FROM "Contact" WHERE id = ${request.contactId}::uuid FOR UPDATE`;
  const current = rows[0];
  if (!current) throw new ContactNotFoundError(request.contactId);
  const from = isLifecycleStage(current.lifecycleStage) ? current.lifecycleStage : "subscriber";
  if (from === request.to) return { changed: false, stage: from };
  const highest = higherStage(
    isLifecycleStage(current.highestStage) ? current.highestStage : from,
    request.to,
  );
  const occurredAt = request.occurredAt ?? new Date();
  await tx.contact.update({
    where: { id: request.contactId },
    data: { lifecycleStage: request.to, highestStage: highest },
  });
  await tx.stageChange.create({
    data: {
      contactId: request.contactId,
      fromStage: from,
      toStage: request.to,
      reason: request.reason,
      source: request.source,
      occurredAt,
    },
  });
  await enqueueContactChange(tx, request.contactId, {
    kind: "stage_changed",
    from,
    to: request.to,
    occurredAt: occurredAt.toISOString(),
  });
  return { changed: true, from, to: request.to, highestStage: highest };
}
