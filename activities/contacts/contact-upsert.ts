// Contact-store code behind POST /v1/contacts: create or update a contact by its address. A contact
// created here is classified at once, as one created by an event is, so it enters the `new` segment and
// the programs that start on it (the welcome series) run for API sign-ups too.
import { randomUUID } from "node:crypto";
import { Prisma } from "../../generated/prisma/client.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { rawTransaction } from "../../prisma/raw-statements.ts";
import { refreshSegments } from "../segments/contact-segments.ts";
import { readRuleSettings } from "../settings/rule-settings.ts";
import { CONTACT_VIEW_COLUMNS, type ContactViewRow } from "./contact-view-row.ts";

export interface ContactUpsertInput {
  email: string;
  name?: string;
  timeZone?: string;
  marketingConsent?: boolean;
  properties?: Record<string, unknown>;
}

export interface ContactUpsertOutcome {
  contact: ContactViewRow;
  created: boolean;
}

export async function upsertContactByEmail(
  store: ContactStore,
  input: ContactUpsertInput,
  defaultMarketingConsent: boolean,
): Promise<ContactUpsertOutcome> {
  const { email, properties } = input;
  // The fields the call names; a field it leaves out keeps its value (or takes the column's default).
  const given = { name: input.name, timeZone: input.timeZone, marketingConsent: input.marketingConsent };
  const named = Object.entries(given).filter(([, value]) => value !== undefined);
  const column = (name: string) => Prisma.raw(`"${name}"`);
  const created: Record<string, Prisma.Sql> = {
    id: Prisma.sql`${randomUUID()}::uuid`,
    email: Prisma.sql`${email}`,
    ...Object.fromEntries(named.map(([name, value]) => [name, Prisma.sql`${value}`])),
    marketingConsent: Prisma.sql`${input.marketingConsent ?? defaultMarketingConsent}`,
    properties: Prisma.sql`${JSON.stringify(properties ?? {})}::jsonb`,
    updatedAt: Prisma.sql`${new Date()}::timestamp`,
  };
  const changed = [
    ...named.map(([name]) => Prisma.sql`${column(name)} = EXCLUDED.${column(name)}`),
    ...(properties ? [Prisma.sql`properties = EXCLUDED.properties`] : []),
  ];
  // A call naming only the address changes nothing, updatedAt included (as Prisma's upsert did); the
  // no-op assignment makes the statement return the row.
  const updated =
    changed.length > 0
      ? [...changed, Prisma.sql`"updatedAt" = EXCLUDED."updatedAt"`]
      : [Prisma.sql`email = EXCLUDED.email`];
  // On a pg connection: through Prisma, creating a contact cost about 6 ms of CPU (BENCHMARKS.md,
  // "Engine: sixth round").
  return rawTransaction(store, async (tx, client) => {
    // The upsert is INSERT … ON CONFLICT (email), so concurrent calls cannot create two contacts; the read
    // before it only tells a creation from an update. Two racing creations both classify, and the second
    // finds the segment already set: no second move.
    const existing = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Contact" WHERE email = ${email}`;
    const [upserted] = await tx.$queryRaw<ContactViewRow[]>`
      INSERT INTO "Contact" (${Prisma.join(Object.keys(created).map(column))})
      VALUES (${Prisma.join(Object.values(created))})
      ON CONFLICT (email) DO UPDATE SET ${Prisma.join(updated)}
      RETURNING ${CONTACT_VIEW_COLUMNS}`;
    const contact = upserted as ContactViewRow;
    if (existing.length > 0) return { contact, created: false };
    // Only a creation needs the segment thresholds: an update of a known contact reads no settings.
    const { segments } = await readRuleSettings(client);
    await refreshSegments(tx, [contact.id], new Date(), segments, new Set([contact.id]));
    const [classified] = await tx.$queryRaw<ContactViewRow[]>`
      SELECT ${CONTACT_VIEW_COLUMNS} FROM "Contact" WHERE id = ${contact.id}::uuid`;
    return { contact: classified as ContactViewRow, created: true };
  });
}
