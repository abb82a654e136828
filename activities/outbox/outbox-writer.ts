// Announces a contact change in the same transaction as the change itself, so an acknowledged change
// is never lost: the dispatcher delivers it to Temporal whenever Temporal is reachable.

import type { ContactChange } from "../../domain/sequences/contact-change.ts";
import type { RawStatements } from "../../prisma/raw-statements.ts";

export interface ContactChangeRow {
  contactId: string;
  change: ContactChange;
}

/** Announcements in one statement whatever their number, in their order. */
export async function enqueueContactChanges(
  tx: RawStatements,
  rows: readonly ContactChangeRow[],
): Promise<void> {
  if (rows.length === 0) return;
  // One JSON parameter: Prisma converts array parameters (and createMany's values) element by element.
  const now = new Date();
  const json = JSON.stringify(
    rows.map(({ contactId, change }) => ({ kind: change.kind, contactId, payload: change })),
  );
  await tx.$executeRaw`
    INSERT INTO "Outbox" (kind, "contactId", payload, "createdAt", "nextAttemptAt")
    SELECT kind, "contactId", payload, ${now}::timestamp, ${now}::timestamp
    FROM json_to_recordset(${json}::json) AS u(kind text, "contactId" uuid, payload jsonb)`;
}
