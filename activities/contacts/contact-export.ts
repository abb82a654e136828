// GET /v1/contacts/:id/export: everything the store holds about a person as one JSON document (GDPR
// article 15), read in one snapshot so the parts agree with each other.
import type { ContactStore } from "../../prisma/client.ts";
import { suppressionKey } from "../consent/suppression.ts";
import { CONTACT_RECORDS, type ContactScope } from "./contact-records.ts";

/** BigInt ids become strings, decimals and dates their JSON text. */
function jsonSafe(value: unknown): Record<string, unknown>[] {
  return JSON.parse(
    JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item)),
  );
}

export type ContactExportOutcome =
  | { status: "exported"; document: Record<string, unknown> }
  | { status: "not_found" }
  | { status: "erased"; erasedAt: Date };

export async function exportContact(store: ContactStore, contactId: string): Promise<ContactExportOutcome> {
  return store.$transaction(
    async (tx) => {
      const contact = await tx.contact.findUnique({ where: { id: contactId } });
      if (!contact) return { status: "not_found" };
      if (contact.erasedAt) return { status: "erased", erasedAt: contact.erasedAt };
      const ghosts = await tx.contact.findMany({
        where: { mergedIntoId: contactId },
        orderBy: { createdAt: "asc" },
      });
      const scope: ContactScope = {
        contactIds: [contactId, ...ghosts.map((ghost) => ghost.id)],
        addresses: contact.email ? [suppressionKey(contact.email)] : [],
      };
      const document: Record<string, unknown> = {
        exportedAt: new Date().toISOString(),
        contact: jsonSafe(contact),
        mergedGhosts: jsonSafe(ghosts),
      };
      for (const kind of Object.values(CONTACT_RECORDS)) {
        document[kind.exportAs] = jsonSafe(await kind.rows(tx, scope));
      }
      return { status: "exported", document };
    },
    { isolationLevel: "RepeatableRead" },
  );
}
