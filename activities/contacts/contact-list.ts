// GET /v1/contacts: people in creation order, filtered by address, stage or segment, a page at a time.
// Merged ghosts are part of the contact they were merged into and erased contacts are no one: neither
// is listed.
import { type ContactPosition, encodeCursor } from "../../domain/contacts/list-cursor.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";

export interface ContactFilter {
  email?: string;
  stage?: string;
  segment?: string;
  after?: ContactPosition | null;
  limit: number;
}

export async function listContacts(store: ContactStore, filter: ContactFilter) {
  const where: Prisma.ContactWhereInput = {
    erasedAt: null,
    mergedIntoId: null,
    ...(filter.email ? { email: filter.email } : {}),
    ...(filter.stage ? { lifecycleStage: filter.stage } : {}),
    ...(filter.segment ? { segment: filter.segment } : {}),
    ...(filter.after
      ? {
          OR: [
            { createdAt: { gt: filter.after.createdAt } },
            { createdAt: filter.after.createdAt, id: { gt: filter.after.id } },
          ],
        }
      : {}),
  };
  const rows = await store.contact.findMany({
    where,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: filter.limit + 1,
  });
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { contacts: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null };
}
