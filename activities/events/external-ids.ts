// Contacts named by their external id (the sender's user id, Segment's userId), with the email the
// same message carries. A user id names one person across devices and emails, so it wins over email:
// - known: that contact; if it had no email and another contact holds this one, both are the same
//   person and the user-id-only record is merged into the email's contact, as a ghost is;
// - unknown: the email's contact takes the id when it has none; otherwise a new contact is made.
import { randomUUID } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client.ts";
import { mergeGhostInto } from "../contacts/contact-merge.ts";

interface Resolved {
  created: Set<string>;
  mergeTargets: Set<string>;
}

export async function contactsByExternalId(
  tx: Prisma.TransactionClient,
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

  const select = { id: true, email: true, externalId: true, mergedIntoId: true } as const;
  const emails = [...new Set([...emailOf.values()].filter((email): email is string => !!email))];
  const [known, holders] = await Promise.all([
    tx.contact.findMany({ where: { externalId: { in: [...emailOf.keys()] } }, select }),
    emails.length === 0 ? [] : tx.contact.findMany({ where: { email: { in: emails } }, select }),
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
        await tx.contact.update({ where: { id: contact.id }, data: { email } });
      }
    }
    byExternalId.set(externalId, owner);
  }

  const planned: Array<{ id: string; externalId: string; email: string | null }> = [];
  for (const [externalId, email] of emailOf) {
    if (byExternalId.has(externalId)) continue;
    const holder = email ? holderOf.get(email) : undefined;
    if (holder && holder.externalId === null && holder.mergedIntoId === null) {
      await tx.contact.update({ where: { id: holder.id }, data: { externalId } });
      holder.externalId = externalId;
      byExternalId.set(externalId, holder.id);
    } else {
      planned.push({ id: randomUUID(), externalId, email: holder ? null : (email ?? null) });
    }
  }
  if (planned.length === 0) return byExternalId;
  // skipDuplicates: a concurrent request may create the same user; the read below then finds its row.
  await tx.contact.createMany({ data: planned, skipDuplicates: true });
  const owners = await tx.contact.findMany({
    where: { externalId: { in: planned.map((plan) => plan.externalId) } },
    select,
  });
  const plannedIds = new Set(planned.map((plan) => plan.id));
  for (const contact of owners) {
    byExternalId.set(contact.externalId as string, contact.mergedIntoId ?? contact.id);
    if (plannedIds.has(contact.id)) resolved.created.add(contact.id);
  }
  return byExternalId;
}
