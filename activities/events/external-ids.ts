// Contacts named by their external id (the sender's user id, Segment's userId), with the email the
// same message carries. A user id names one person across devices and emails, so it wins over email:
// - known: that contact; if it had no email and another contact holds this one, both are the same
//   person and the user-id-only record is merged into the email's contact, as a ghost is;
// - unknown: the email's contact takes the id when it has none; otherwise a new contact is made.
import { randomUUID } from "node:crypto";
import { Prisma } from "../../generated/prisma/client.ts";
import type { RawStatements } from "../../prisma/raw-statements.ts";
import { mergeGhostInto } from "../contacts/contact-merge.ts";

interface Resolved {
  created: Set<string>;
  mergeTargets: Set<string>;
}

interface NamedContact {
  id: string;
  email: string | null;
  externalId: string | null;
  mergedIntoId: string | null;
}

function namedBy(tx: RawStatements, column: "externalId" | "email", values: readonly string[]) {
  return tx.$queryRaw<NamedContact[]>`
    SELECT id::text AS id, email, "externalId", "mergedIntoId"::text AS "mergedIntoId" FROM "Contact"
    WHERE ${Prisma.raw(`"${column}"`)} IN (SELECT json_array_elements_text(${JSON.stringify(values)}::json))`;
}

export async function contactsByExternalId(
  tx: RawStatements,
  refs: ReadonlyArray<{ externalId?: string; email?: string }>,
  resolved: Resolved,
  now: Date,
): Promise<Map<string, string>> {
  const emailOf = new Map<string, string | undefined>();
  for (const ref of refs) {
    if (ref.externalId && !emailOf.get(ref.externalId)) emailOf.set(ref.externalId, ref.email);
  }
  const byExternalId = new Map<string, string>();
  if (emailOf.size === 0) return byExternalId;

  const emails = [...new Set([...emailOf.values()].filter((email): email is string => !!email))];
  const [known, holders] = await Promise.all([
    namedBy(tx, "externalId", [...emailOf.keys()]),
    emails.length === 0 ? [] : namedBy(tx, "email", emails),
  ]);
  const holderOf = new Map(holders.map((contact) => [contact.email as string, contact]));

  for (const contact of known) {
    const externalId = contact.externalId as string;
    let owner = contact.mergedIntoId ?? contact.id;
    const email = emailOf.get(externalId);
    if (email && contact.email === null && contact.mergedIntoId === null) {
      const holder = holderOf.get(email);
      if (holder) {
        const target = holder.mergedIntoId ?? holder.id;
        await mergeGhostInto(tx, contact.id, target, now);
        resolved.mergeTargets.add(target);
        owner = target;
      } else {
        await tx.$executeRaw`
          UPDATE "Contact" SET email = ${email}, "updatedAt" = ${new Date()}::timestamp WHERE id = ${contact.id}::uuid`;
      }
    }
    byExternalId.set(externalId, owner);
  }

  const planned: Array<{ id: string; externalId: string; email: string | null }> = [];
  for (const [externalId, email] of emailOf) {
    if (byExternalId.has(externalId)) continue;
    const holder = email ? holderOf.get(email) : undefined;
    if (holder && holder.externalId === null && holder.mergedIntoId === null) {
      await tx.$executeRaw`
        UPDATE "Contact" SET "externalId" = ${externalId}, "updatedAt" = ${new Date()}::timestamp
        WHERE id = ${holder.id}::uuid`;
      holder.externalId = externalId;
      byExternalId.set(externalId, holder.id);
    } else {
      planned.push({ id: randomUUID(), externalId, email: holder ? null : (email ?? null) });
    }
  }
  if (planned.length === 0) return byExternalId;
  // ON CONFLICT: a concurrent request may create the same user; the read below then finds its row.
  await tx.$executeRaw`
    INSERT INTO "Contact" (id, "externalId", email, "updatedAt")
    SELECT id, "externalId", email, ${new Date()}::timestamp
    FROM json_to_recordset(${JSON.stringify(planned)}::json) AS u(id uuid, "externalId" text, email text)
    ON CONFLICT DO NOTHING`;
  const owners = await namedBy(
    tx,
    "externalId",
    planned.map((plan) => plan.externalId),
  );
  const plannedIds = new Set(planned.map((plan) => plan.id));
  for (const contact of owners) {
    byExternalId.set(contact.externalId as string, contact.mergedIntoId ?? contact.id);
    if (plannedIds.has(contact.id)) resolved.created.add(contact.id);
  }
  return byExternalId;
}
