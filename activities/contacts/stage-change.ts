// Moves a contact to a lifecycle stage: the contact row, its stage history and the outbox row are
// written in one transaction. Batch ingestion plans many moves in memory and records them together.

import {
  higherStage,
  isLifecycleStage,
  type LifecycleStage,
  type StageChangeSource,
} from "../../domain/lifecycle/stages.ts";
import type { RawStatements } from "../../prisma/raw-statements.ts";
import { type ContactChangeRow, enqueueContactChanges } from "../outbox/outbox-writer.ts";

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

export interface StoredStages {
  lifecycleStage: string;
  highestStage: string;
}

/** Moving a contact whose stored stages are `current` to `to`; null when it is already there. */
export function stageMove(
  current: StoredStages,
  to: LifecycleStage,
): { from: LifecycleStage; highestStage: LifecycleStage } | null {
  const from = isLifecycleStage(current.lifecycleStage) ? current.lifecycleStage : "subscriber";
  if (from === to) return null;
  return {
    from,
    highestStage: higherStage(isLifecycleStage(current.highestStage) ? current.highestStage : from, to),
  };
}

/** Runs inside the caller's transaction; locks the contact row so concurrent moves serialise. */
export async function changeStageInTransaction(
  tx: RawStatements,
  request: StageChangeRequest,
): Promise<StageChangeOutcome> {
  const rows = await tx.$queryRaw<Array<{ lifecycleStage: string; highestStage: string }>>`
    SELECT "lifecycleStage", "highestStage" FROM "Contact" WHERE id = ${request.contactId}::uuid FOR UPDATE`;
  const current = rows[0];
  if (!current) throw new ContactNotFoundError(request.contactId);
  const move = stageMove(current, request.to);
  if (!move) return { changed: false, stage: request.to };
  const { from, highestStage: highest } = move;
  const occurredAt = request.occurredAt ?? new Date();
  // Raw statements: every API stage change, merge and update_contact step comes here, and the ORM
  // compiles each of its queries anew (BENCHMARKS.md, "Engine: fourth round").
  await tx.$executeRaw`
    UPDATE "Contact" SET "lifecycleStage" = ${request.to}, "highestStage" = ${highest}, "updatedAt" = ${new Date()}::timestamp
    WHERE id = ${request.contactId}::uuid`;
  const news = await recordStageChanges(tx, [
    {
      contactId: request.contactId,
      from,
      to: request.to,
      highestStage: highest,
      reason: request.reason,
      source: request.source,
      occurredAt,
    },
  ]);
  await enqueueContactChanges(tx, news);
  return { changed: true, from, to: request.to, highestStage: highest };
}

export interface StageChangeRecord {
  contactId: string;
  from: LifecycleStage;
  to: LifecycleStage;
  highestStage: LifecycleStage;
  reason: string;
  source: StageChangeSource;
  occurredAt: Date;
}

/**
 * Records stage changes planned in memory (with stageMove) for contacts whose rows the caller has
 * locked and whose stages it writes itself, in one statement whatever their number; returns their
 * announcements, for the caller's outbox write.
 */
export async function recordStageChanges(
  tx: RawStatements,
  changes: readonly StageChangeRecord[],
): Promise<ContactChangeRow[]> {
  if (changes.length === 0) return [];
  await tx.$executeRaw`
    INSERT INTO "StageChange" ("contactId", "fromStage", "toStage", reason, source, "occurredAt")
    SELECT "contactId", "from", "to", reason, source, "occurredAt" FROM json_to_recordset(${JSON.stringify(changes)}::json)
      AS u("contactId" uuid, "from" text, "to" text, reason text, source text, "occurredAt" timestamp)`;
  return changes.map(({ contactId, from, to, occurredAt }) => ({
    contactId,
    change: { kind: "stage_changed", from, to, occurredAt: occurredAt.toISOString() },
  }));
}
