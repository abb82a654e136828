// What a message says about the contact (a Segment identify's traits, a consent choice), written once
// per idempotency key: fields of the contact itself and properties merged into its properties. Within
// a batch, later updates win; a field an update does not name keeps its value.
import type { RawStatements } from "../../prisma/raw-statements.ts";

export interface ProfileChange {
  contactId: string;
  idempotencyKey: string;
  occurredAt: Date;
  fields: { email?: string; name?: string; timeZone?: string; marketingConsent?: boolean };
  properties: Record<string, unknown>;
}

/** What an update changed that scoring and segments read: the properties and whether there is an email. */
export interface UpdatedProfile {
  id: string;
  properties: Record<string, unknown>;
  anonymous: boolean;
}

/** Applies the updates whose key is new; returns the keys applied and the contacts as they are now. */
export async function applyProfileUpdates(
  tx: RawStatements,
  updates: readonly ProfileChange[],
  now: Date,
): Promise<{ applied: Set<string>; profiles: UpdatedProfile[] }> {
  if (updates.length === 0) return { applied: new Set(), profiles: [] };
  const receipts = updates.map(({ contactId, idempotencyKey, occurredAt }) => ({
    contactId,
    idempotencyKey,
    occurredAt,
  }));
  const inserted = await tx.$queryRaw<Array<{ idempotencyKey: string }>>`
    INSERT INTO "ProfileUpdate" ("contactId", "idempotencyKey", "occurredAt", "receivedAt")
    SELECT "contactId", "idempotencyKey", "occurredAt", ${now}::timestamp
    FROM json_to_recordset(${JSON.stringify(receipts)}::json)
      AS u("contactId" uuid, "idempotencyKey" text, "occurredAt" timestamp)
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING "idempotencyKey"`;
  const applied = new Set(inserted.map((row) => row.idempotencyKey));

  const merged = new Map<string, Omit<ProfileChange, "idempotencyKey" | "occurredAt">>();
  const ordered = updates
    .filter((update) => applied.has(update.idempotencyKey))
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  for (const update of ordered) {
    const into = merged.get(update.contactId) ?? { contactId: update.contactId, fields: {}, properties: {} };
    Object.assign(into.fields, update.fields);
    Object.assign(into.properties, update.properties);
    merged.set(update.contactId, into);
  }
  if (merged.size === 0) return { applied, profiles: [] };
  const rows = [...merged.values()].map(({ contactId, fields, properties }) => ({
    contactId,
    ...fields,
    properties,
  }));
  // An email already held by another contact is not taken from it: the contact keeps its own.
  const profiles = await tx.$queryRaw<UpdatedProfile[]>`
    UPDATE "Contact" c SET
      name = COALESCE(u.name, c.name),
      "timeZone" = COALESCE(u."timeZone", c."timeZone"),
      "marketingConsent" = COALESCE(u."marketingConsent", c."marketingConsent"),
      properties = c.properties || u.properties,
      email = CASE WHEN u.email IS NULL OR EXISTS (
          SELECT 1 FROM "Contact" o WHERE o.email = u.email AND o.id <> c.id) THEN c.email ELSE u.email END,
      "updatedAt" = ${now}::timestamp
    FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS u("contactId" uuid, email text, name text, "timeZone" text, "marketingConsent" boolean, properties jsonb)
    WHERE c.id = u."contactId"
    RETURNING c.id::text AS id, c.properties, c.email IS NULL AS anonymous`;
  return { applied, profiles };
}
