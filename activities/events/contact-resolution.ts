// Finds (or creates) the contact each event belongs to, a few statements per batch: by id, by external
// id (the sender's user id), by email (created when new), or by anonymous id (a ghost contact when never
// identified).
// An event naming an anonymous id together with an email or id identifies the visitor: a ghost
// seen in earlier batches is merged into that contact, and an anonymous id first seen in this batch
// is simply linked to it.

import { randomUUID } from "node:crypto";
import type { RawStatements } from "../../prisma/raw-statements.ts";
import { mergeGhostInto } from "../contacts/contact-merge.ts";
import { contactsByExternalId } from "./external-ids.ts";

export interface ContactRef {
  id?: string;
  /** The contact's id in the sender's system (Segment's userId). */
  externalId?: string;
  email?: string;
  anonymousId?: string;
  /** Consent of a contact this event creates (by email); an existing contact's consent is not changed here. */
  marketingConsent?: boolean;
}

export interface EventProblem {
  index: number;
  field: string;
  message: string;
}

/** Problems only the store can reveal (an unknown contact id); raised before anything is written. */
export class EventRejectedError extends Error {
  constructor(readonly problems: EventProblem[]) {
    super(`${problems.length} event(s) rejected`);
  }
}

export interface ContactResolution {
  /** The contact of each ref, by position. */
  contactIds: string[];
  /** Contacts created by this batch: their first segment is an entry. */
  created: Set<string>;
  /** Contacts that received a ghost's history: their score and segment must be recomputed. */
  mergeTargets: Set<string>;
}

const unique = <T>(values: Array<T | undefined>): T[] => [
  ...new Set(values.filter((v): v is T => v !== undefined)),
];

async function contactsByEmail(
  tx: RawStatements,
  emails: string[],
  created: Set<string>,
  now: Date,
  consentOf: (email: string) => boolean,
): Promise<Map<string, string>> {
  const byEmail = new Map<string, string>();
  if (emails.length === 0) return byEmail;
  const find = async (wanted: string[]) => {
    const rows = await tx.$queryRaw<Array<{ id: string; email: string }>>`
      SELECT id::text AS id, email FROM "Contact"
      WHERE email IN (SELECT json_array_elements_text(${JSON.stringify(wanted)}::json))`;
    for (const contact of rows) byEmail.set(contact.email, contact.id);
  };
  await find(emails);
  const missing = emails.filter((email) => !byEmail.has(email));
  if (missing.length === 0) return byEmail;
  // ON CONFLICT: a concurrent request may create the same email; the read below then finds its row.
  const rows = missing.map((email) => ({ id: randomUUID(), email, consent: consentOf(email) }));
  const inserted = await tx.$queryRaw<Array<{ id: string; email: string }>>`
    INSERT INTO "Contact" (id, email, "marketingConsent", "updatedAt")
    SELECT id, email, consent, ${now}::timestamp
    FROM json_to_recordset(${JSON.stringify(rows)}::json) AS u(id uuid, email text, consent boolean)
    ON CONFLICT DO NOTHING
    RETURNING id::text AS id, email`;
  for (const contact of inserted) {
    byEmail.set(contact.email, contact.id);
    created.add(contact.id);
  }
  const raced = missing.filter((email) => !byEmail.has(email));
  if (raced.length > 0) await find(raced);
  return byEmail;
}

interface KnownIdentity {
  anonymousId: string;
  contactId: string;
  /** The owning contact's. */
  email: string | null;
  mergedIntoId: string | null;
}

/** An anonymous id already claimed (by a concurrent request) keeps its contact. */
async function linkAnonymousIds(
  tx: RawStatements,
  links: ReadonlyArray<{ anonymousId: string; contactId: string }>,
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "AnonymousIdentity" ("anonymousId", "contactId")
    SELECT "anonymousId", "contactId" FROM json_to_recordset(${JSON.stringify(links)}::json)
      AS u("anonymousId" text, "contactId" uuid)
    ON CONFLICT DO NOTHING`;
}

async function createGhosts(
  tx: RawStatements,
  anonymousIds: string[],
  byAnonymousId: Map<string, string>,
  created: Set<string>,
): Promise<void> {
  if (anonymousIds.length === 0) return;
  const planned = anonymousIds.map((anonymousId) => ({ anonymousId, contactId: randomUUID() }));
  const json = JSON.stringify(planned);
  await tx.$executeRaw`
    INSERT INTO "Contact" (id, segment, "updatedAt")
    SELECT "contactId", 'ghost', ${new Date()}::timestamp FROM json_to_recordset(${json}::json) AS u("contactId" uuid)`;
  await linkAnonymousIds(tx, planned);
  // A concurrent request may have claimed an anonymous id first: use its ghost, drop ours.
  const owners = await tx.$queryRaw<Array<{ anonymousId: string; contactId: string }>>`
    SELECT "anonymousId", "contactId"::text AS "contactId" FROM "AnonymousIdentity"
    WHERE "anonymousId" IN (SELECT json_array_elements_text(${JSON.stringify(anonymousIds)}::json))`;
  const ownerOf = new Map(owners.map((row) => [row.anonymousId, row.contactId]));
  const orphans = planned.filter((plan) => ownerOf.get(plan.anonymousId) !== plan.contactId);
  if (orphans.length > 0)
    await tx.$executeRaw`
      DELETE FROM "Contact"
      WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(orphans.map((o) => o.contactId))}::json)::uuid)`;
  for (const plan of planned) {
    const owner = ownerOf.get(plan.anonymousId) as string;
    byAnonymousId.set(plan.anonymousId, owner);
    if (owner === plan.contactId) created.add(owner);
  }
}

export async function resolveContacts(
  tx: RawStatements,
  refs: readonly ContactRef[],
  now: Date,
  defaultMarketingConsent = false,
): Promise<ContactResolution> {
  const created = new Set<string>();
  const mergeTargets = new Set<string>();

  const ids = unique(refs.map((ref) => ref.id));
  const known =
    ids.length === 0
      ? []
      : await tx.$queryRaw<Array<{ id: string; mergedIntoId: string | null; erasedAt: Date | null }>>`
          SELECT id::text AS id, "mergedIntoId"::text AS "mergedIntoId", "erasedAt" FROM "Contact"
          WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::json)::uuid)`;
  // An erased contact's id names nobody any more: its events would rebuild a profile of the person.
  const erased = new Set(known.filter((contact) => contact.erasedAt).map((contact) => contact.id));
  // A merged ghost's id keeps working: it names the contact it was merged into.
  const byId = new Map(
    known
      .filter((contact) => !contact.erasedAt)
      .map((contact) => [contact.id, contact.mergedIntoId ?? contact.id]),
  );
  const problems = refs.flatMap((ref, index) => {
    if (!ref.id || byId.has(ref.id) || ref.email) return [];
    const message = erased.has(ref.id)
      ? "this contact was erased: its events are not recorded"
      : "no contact has this id; send an email to create one";
    return [{ index, field: "contact.id", message }];
  });
  if (problems.length > 0) throw new EventRejectedError(problems);

  // The first event naming a new email with a consent decides it; otherwise the configured default.
  const consentOf = (email: string) =>
    refs.find((ref) => ref.email === email && ref.marketingConsent !== undefined)?.marketingConsent ??
    defaultMarketingConsent;
  const byExternalId = await contactsByExternalId(tx, refs, { created, mergeTargets }, now);
  const byEmail = await contactsByEmail(tx, unique(refs.map((ref) => ref.email)), created, now, consentOf);
  const identified = (ref: ContactRef): string | undefined =>
    (ref.id && byId.get(ref.id)) ||
    (ref.externalId && byExternalId.get(ref.externalId)) ||
    (ref.email ? byEmail.get(ref.email) : undefined);

  // The contact that identifies each anonymous id: the first event naming both.
  const identifiedAs = new Map<string, string>();
  for (const ref of refs) {
    const contactId = identified(ref);
    if (ref.anonymousId && contactId && !identifiedAs.has(ref.anonymousId)) {
      identifiedAs.set(ref.anonymousId, contactId);
    }
  }

  const anonymousIds = unique(refs.map((ref) => ref.anonymousId));
  const identities =
    anonymousIds.length === 0
      ? []
      : await tx.$queryRaw<KnownIdentity[]>`
          SELECT a."anonymousId", a."contactId"::text AS "contactId", c.email, c."mergedIntoId"::text AS "mergedIntoId"
          FROM "AnonymousIdentity" a JOIN "Contact" c ON c.id = a."contactId"
          WHERE a."anonymousId" IN (SELECT json_array_elements_text(${JSON.stringify(anonymousIds)}::json))`;
  const byAnonymousId = new Map<string, string>();
  // Ghost → contact merged in this call: a ghost with two anonymous ids is merged once.
  const mergedNow = new Map<string, string>();
  for (const identity of identities) {
    const owner = mergedNow.get(identity.contactId) ?? identity.mergedIntoId ?? identity.contactId;
    const target = identifiedAs.get(identity.anonymousId);
    const isGhost = owner === identity.contactId && identity.email === null;
    if (target && target !== owner && isGhost) {
      await mergeGhostInto(tx, owner, target, now);
      mergedNow.set(owner, target);
      mergeTargets.add(target);
      byAnonymousId.set(identity.anonymousId, target);
    } else {
      // An identified owner keeps the id even if someone else used the same browser later.
      byAnonymousId.set(identity.anonymousId, owner);
    }
  }
  const unseen = anonymousIds.filter((anonymousId) => !byAnonymousId.has(anonymousId));
  const linked = unseen.flatMap((anonymousId) => {
    const contactId = identifiedAs.get(anonymousId);
    return contactId ? [{ anonymousId, contactId }] : [];
  });
  if (linked.length > 0) {
    await linkAnonymousIds(tx, linked);
    for (const link of linked) byAnonymousId.set(link.anonymousId, link.contactId);
  }
  await createGhosts(
    tx,
    unseen.filter((anonymousId) => !identifiedAs.has(anonymousId)),
    byAnonymousId,
    created,
  );

  const contactIds = refs.map((ref) => {
    const contactId = identified(ref) ?? (ref.anonymousId ? byAnonymousId.get(ref.anonymousId) : undefined);
    if (!contactId) throw new Error("contact ref with neither id, email nor anonymous id");
    return contactId;
  });
  return { contactIds, created, mergeTargets };
}
