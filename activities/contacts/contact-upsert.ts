// Contact-store code behind POST /v1/contacts: create or update a contact by its address. A contact
// created here is classified at once, as one created by an event is, so it enters the `new` segment and
// the programs that start on it (the welcome series) run for API sign-ups too.
import type { Contact, Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { refreshSegments } from "../segments/contact-segments.ts";
import { loadRuleSettings } from "../settings/rule-settings.ts";

export interface ContactUpsertInput {
  email: string;
  name?: string;
  timeZone?: string;
  marketingConsent?: boolean;
  properties?: Record<string, unknown>;
}

export interface ContactUpsertOutcome {
  contact: Contact;
  created: boolean;
}

export async function upsertContactByEmail(
  store: ContactStore,
  input: ContactUpsertInput,
  defaultMarketingConsent: boolean,
): Promise<ContactUpsertOutcome> {
  const { email, properties, ...fields } = input;
  return store.$transaction(async (tx) => {
    // The upsert is INSERT … ON CONFLICT (email), so concurrent calls cannot create two contacts; the read
    // before it only tells a creation from an update. Two racing creations both classify, and the second
    // finds the segment already set: no second move.
    const existing = await tx.contact.findUnique({ where: { email }, select: { id: true } });
    const upserted = await tx.contact.upsert({
      where: { email },
      create: {
        email,
        ...fields,
        marketingConsent: fields.marketingConsent ?? defaultMarketingConsent,
        properties: (properties ?? {}) as Prisma.InputJsonValue,
      },
      update: {
        ...fields,
        ...(properties ? { properties: properties as Prisma.InputJsonValue } : {}),
      },
    });
    if (existing) return { contact: upserted, created: false };
    // Only a creation needs the segment thresholds: an update of a known contact reads no settings.
    const { segments } = await loadRuleSettings(tx);
    await refreshSegments(tx, [upserted.id], new Date(), segments, new Set([upserted.id]));
    const contact = await tx.contact.findUniqueOrThrow({ where: { id: upserted.id } });
    return { contact, created: true };
  });
}
