// Unsubscribing withdraws marketing consent at once: the contact row, the suppression list and the
// outbox announcement are written in one transaction, and the dispatcher signals the contact's running
// marketing programs, which end before their next email.
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { enqueueContactChanges } from "../outbox/outbox-writer.ts";
import { suppressAddress } from "./suppression.ts";

export type UnsubscribeOutcome = "unsubscribed" | "already_unsubscribed" | "unknown_contact";

export async function unsubscribeInTransaction(
  tx: Prisma.TransactionClient,
  contactId: string,
  occurredAt: Date,
): Promise<UnsubscribeOutcome> {
  const contact = await tx.contact.findUnique({ where: { id: contactId }, select: { email: true } });
  if (!contact) return "unknown_contact";
  if (contact.email) await suppressAddress(tx, contact.email, "unsubscribed");
  // Conditional, so concurrent requests (a mailbox provider's one-click and the page) announce it once.
  const changed = await tx.contact.updateMany({
    where: { id: contactId, unsubscribedAt: null },
    data: { unsubscribedAt: occurredAt, marketingConsent: false },
  });
  if (changed.count === 0) return "already_unsubscribed";
  await enqueueContactChanges(tx, [
    { contactId, change: { kind: "unsubscribed", occurredAt: occurredAt.toISOString() } },
  ]);
  return "unsubscribed";
}

export function unsubscribeContact(
  store: ContactStore,
  contactId: string,
  occurredAt: Date = new Date(),
): Promise<UnsubscribeOutcome> {
  return store.$transaction((tx) => unsubscribeInTransaction(tx, contactId, occurredAt));
}
