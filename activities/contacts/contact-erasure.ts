// DELETE /v1/contacts/:id: the right to erasure (GDPR article 17). In one transaction every record of
// the person (CONTACT_RECORDS) loses its personal data; the contact row stays, anonymised, so stage,
// segment, score and revenue aggregates keep adding up. Then the person's running programs are told to
// exit through Temporal. An audit entry records the contact id, the time and the counts, nothing else.
// Erasing again answers the same entry and retries any run still running.
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { suppressionKey } from "../consent/suppression.ts";
import { CONTACT_RECORDS, type ContactScope } from "./contact-records.ts";

/** Tells one run (workflow id) to exit; resolves false when the run had already ended. */
export type RunCanceller = (workflowId: string, reason: string) => Promise<boolean>;

export const ERASURE_REASON = "contact erased";

export interface ErasureEntry {
  contactId: string;
  erasedAt: Date;
  runsCancelled: number;
  records: Record<string, number>;
}

export type ErasureOutcome =
  | { status: "erased" | "already_erased"; entry: ErasureEntry }
  | { status: "not_found" };

/** The person's profile fields, blanked; what aggregates read (stage, segment, score, orders) stays. */
const ANONYMOUS_PROFILE = {
  email: null,
  externalId: null,
  name: null,
  properties: {},
  timeZone: "UTC",
  marketingConsent: false,
} satisfies Prisma.ContactUpdateManyMutationInput;

async function eraseRecords(store: ContactStore, contactId: string, hashSecret: string): Promise<boolean> {
  return store.$transaction(
    async (tx) => {
      // Under the row lock, ingestion of an event for the contact waits for the erasure or went first.
      const [locked] = await tx.$queryRaw<Array<{ erasedAt: Date | null }>>`
        SELECT "erasedAt" FROM "Contact" WHERE id = ${contactId}::uuid FOR UPDATE`;
      if (!locked || locked.erasedAt) return false;
      const people = await tx.contact.findMany({
        where: { OR: [{ id: contactId }, { mergedIntoId: contactId }] },
        select: { id: true, email: true },
      });
      const scope: ContactScope = {
        contactIds: people.map((person) => person.id),
        addresses: people.flatMap((person) => (person.email ? [suppressionKey(person.email)] : [])),
      };
      const records: Record<string, number> = {};
      for (const [model, kind] of Object.entries(CONTACT_RECORDS)) {
        if (kind.erase) records[model] = await kind.erase(tx, scope, hashSecret);
      }
      const erasedAt = new Date();
      records.Contact = (
        await tx.contact.updateMany({
          where: { id: { in: scope.contactIds } },
          data: { ...ANONYMOUS_PROFILE, erasedAt },
        })
      ).count;
      await tx.contactErasure.create({
        data: { contactId, erasedAt, runsCancelled: 0, records: records as Prisma.InputJsonValue },
      });
      return true;
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

/** Signals every running enrollment of the person; Temporal errors other than "already ended" propagate. */
async function cancelRuns(store: ContactStore, contactId: string, cancel: RunCanceller): Promise<number> {
  const running = await store.enrollment.findMany({
    where: {
      status: "running",
      OR: [{ contactId }, { contact: { mergedIntoId: contactId } }],
    },
    select: { sequenceKey: true, contactId: true, entryKey: true },
  });
  const runs = new Set(
    running.map((row) => sequenceWorkflowId(row.sequenceKey, row.contactId, row.entryKey)),
  );
  let cancelled = 0;
  for (const workflowId of runs) {
    if (await cancel(workflowId, ERASURE_REASON)) cancelled += 1;
  }
  if (cancelled > 0) {
    await store.contactErasure.update({
      where: { contactId },
      data: { runsCancelled: { increment: cancelled } },
    });
  }
  return cancelled;
}

export async function eraseContact(
  store: ContactStore,
  contactId: string,
  deps: { hashSecret: string; cancel: RunCanceller },
): Promise<ErasureOutcome> {
  const exists = await store.contact.findUnique({ where: { id: contactId }, select: { id: true } });
  if (!exists) return { status: "not_found" };
  const erasedNow = await eraseRecords(store, contactId, deps.hashSecret);
  await cancelRuns(store, contactId, deps.cancel);
  const entry = await store.contactErasure.findUniqueOrThrow({ where: { contactId } });
  return {
    status: erasedNow ? "erased" : "already_erased",
    entry: { ...entry, records: entry.records as Record<string, number> },
  };
}
