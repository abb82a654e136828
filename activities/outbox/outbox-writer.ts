// Announces a contact change in the same transaction as the change itself, so an acknowledged change
// is never lost: the dispatcher delivers it to Temporal whenever Temporal is reachable.

import type { ContactChange } from "../../domain/sequences/contact-change.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

export async function enqueueContactChange(
  tx: Prisma.TransactionClient,
  contactId: string,
  change: ContactChange,
): Promise<void> {
  await tx.outbox.create({
    data: { kind: change.kind, contactId, payload: change as Prisma.InputJsonValue },
  });
}

export interface ContactChangeRow {
  contactId: string;
  change: ContactChange;
}

/** Many announcements in one statement, for batch ingestion and the segment sweep. */
export async function enqueueContactChanges(
  tx: Prisma.TransactionClient,
  rows: readonly ContactChangeRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.outbox.createMany({
    data: rows.map(({ contactId, change }) => ({
      kind: change.kind,
      contactId,
      payload: change as Prisma.InputJsonValue,
    })),
  });
}
