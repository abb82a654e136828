// Ingests a batch of touchpoints (and profile updates, from tracking APIs) in one transaction: contacts
// resolved (ghosts created or merged), profile updates applied once per idempotency key,
// events stored once per idempotency key, carts and orders kept, scores and stages moved, segments
// recomputed, and every change that can start or steer a program written to the outbox alongside.
// Either the whole batch is written or nothing is.

import type { ContactEvent } from "../../domain/events/event-types.ts";
import { eventTypesSequencesUse } from "../../domain/sequences/triggers.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { type ContactStore, sqlPool } from "../../prisma/client.ts";
import { type RawStatements, rawTransaction } from "../../prisma/raw-statements.ts";
import { applyProfileUpdates, type ProfileChange } from "../contacts/profile-updates.ts";
import { recordStageChanges } from "../contacts/stage-change.ts";
import { type ContactChangeRow, enqueueContactChanges } from "../outbox/outbox-writer.ts";
import { moveScores } from "../scoring/contact-scores.ts";
import {
  planSegments,
  readSegmentFacts,
  recordSegmentMoves,
  type SegmentFacts,
} from "../segments/contact-segments.ts";
import { loadActiveSequences } from "../sequences/sequence-catalog.ts";
import { type RuleSettings, readRuleSettings } from "../settings/rule-settings.ts";
import { applyCommerceEvents, type PlacedOrder } from "./commerce-events.ts";
import { type ContactRef, resolveContacts } from "./contact-resolution.ts";
import { planStageMoves } from "./event-stage-moves.ts";
import { lockTouchedContacts, type TouchedContact, writeTouchedContacts } from "./touched-contacts.ts";

export interface IncomingEvent extends ContactEvent {
  contact: ContactRef;
  idempotencyKey: string;
}

/** What a message says about the contact, without an event: a Segment identify, a consent choice. */
export interface IncomingProfileUpdate extends Omit<ProfileChange, "contactId"> {
  contact: ContactRef;
}

export interface IngestBatch {
  events: readonly IncomingEvent[];
  profiles: readonly IncomingProfileUpdate[];
}

export type EventOutcome =
  | { index: number; status: "accepted"; eventId: string; contactId: string }
  | { index: number; status: "duplicate" };

export interface IngestResult {
  accepted: number;
  duplicates: number;
  stageChanges: number;
  segmentChanges: number;
  results: EventOutcome[];
}

export interface BatchIngestResult extends IngestResult {
  /** By position in IngestBatch.profiles. */
  profiles: Array<"applied" | "duplicate">;
}

/** Bounds each statement of a batch: a large batch's take tens of milliseconds on a busy store. */
const INGEST_STATEMENT_TIMEOUT_MS = 60_000;

/** Programs react to these whatever the sequences say: a cart abandoned, an order placed. */
const ALWAYS_ANNOUNCED = ["cart_abandoned", "order_placed"];

type StoredEvent = IncomingEvent & { index: number; eventId: string; contactId: string };

// A cart bought by the time its abandonment arrives (shops report abandonment late, on a timer) is not
// announced, so cart recovery starts no run for it.
function abandonsPurchasedCart(event: StoredEvent, purchasedCartIds: ReadonlySet<string>): boolean {
  return (
    event.type === "cart_abandoned" &&
    typeof event.properties.cartId === "string" &&
    purchasedCartIds.has(event.properties.cartId)
  );
}

export async function ingestEvents(
  store: ContactStore,
  events: readonly IncomingEvent[],
  now: Date = new Date(),
  /** marketingConsent of contacts the events create without saying (DEFAULT_MARKETING_CONSENT). */
  defaultMarketingConsent = false,
): Promise<IngestResult> {
  const { profiles: _profiles, ...result } = await ingestBatch(
    store,
    { events, profiles: [] },
    now,
    defaultMarketingConsent,
  );
  return result;
}

export async function ingestBatch(
  store: ContactStore,
  batch: IngestBatch,
  now: Date = new Date(),
  /** marketingConsent of contacts the batch creates without saying (DEFAULT_MARKETING_CONSENT). */
  defaultMarketingConsent = false,
): Promise<BatchIngestResult> {
  const [settings, sequences] = await Promise.all([
    readRuleSettings(sqlPool(store)),
    loadActiveSequences(store),
  ]);
  const announced = new Set([
    ...ALWAYS_ANNOUNCED,
    ...eventTypesSequencesUse(sequences.map((sequence) => sequence.definition)),
  ]);
  // On a pg connection rather than in Prisma's transaction: Prisma's cost grows with the size of a
  // statement's parameters, and a batch's are large (prisma/raw-statements.ts). A statement stuck
  // (behind another batch's locks, say) fails the batch rather than holding its connection.
  return rawTransaction(
    store,
    (tx) => ingestInTransaction(tx, batch, now, settings, announced, defaultMarketingConsent),
    { statementTimeoutMs: INGEST_STATEMENT_TIMEOUT_MS },
  );
}

/** Indexes of the items to store: the first of each idempotency key not already in the store. */
async function freshIndexes(
  tx: RawStatements,
  items: ReadonlyArray<{ idempotencyKey: string }>,
  table: "Event" | "ProfileUpdate",
): Promise<number[]> {
  if (items.length === 0) return [];
  const firstOfKey = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    if (!firstOfKey.has(item.idempotencyKey)) firstOfKey.set(item.idempotencyKey, index);
  }
  const keys = JSON.stringify([...firstOfKey.keys()]);
  const stored = await tx.$queryRaw<Array<{ idempotencyKey: string }>>`
    SELECT "idempotencyKey" FROM ${Prisma.raw(`"${table}"`)}
    WHERE "idempotencyKey" IN (SELECT json_array_elements_text(${keys}::json))`;
  for (const row of stored) firstOfKey.delete(row.idempotencyKey);
  return [...firstOfKey.values()].sort((a, b) => a - b);
}

/** Stores the events; returns the id of each one stored (a key a concurrent batch stored first is not). */
async function insertEvents(
  tx: RawStatements,
  events: ReadonlyArray<IncomingEvent & { contactId: string }>,
): Promise<Array<{ id: bigint; idempotencyKey: string }>> {
  const rows = events.map(({ contactId, type, occurredAt, properties, idempotencyKey }) => ({
    contactId,
    type,
    occurredAt,
    properties,
    idempotencyKey,
  }));
  // The rows travel as one JSON parameter, one value to send however many rows there are. A timestamp
  // ignores the ISO strings' zone suffix: they stay UTC.
  return tx.$queryRaw<Array<{ id: bigint; idempotencyKey: string }>>`
    INSERT INTO "Event" ("contactId", type, "occurredAt", properties, "idempotencyKey")
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
      AS u("contactId" uuid, type text, "occurredAt" timestamp, properties jsonb, "idempotencyKey" text)
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING id, "idempotencyKey"`;
}

/** Advances the contacts' recency, frequency and monetary columns by the batch's events and new orders. */
function addActivity(
  contacts: ReadonlyMap<string, TouchedContact>,
  events: readonly StoredEvent[],
  orders: readonly PlacedOrder[],
): void {
  const later = (a: Date | null, b: Date) => (a && a > b ? a : b);
  const contactOf = (contactId: string) => contacts.get(contactId) as TouchedContact;
  for (const event of events) {
    const contact = contactOf(event.contactId);
    contact.lastActivityAt = later(contact.lastActivityAt, event.occurredAt);
  }
  for (const order of orders) {
    const contact = contactOf(order.contactId);
    contact.lastOrderAt = later(contact.lastOrderAt, order.placedAt);
    contact.orderCount += 1;
    contact.revenueCents += Math.round(order.total * 100);
  }
}

async function ingestInTransaction(
  tx: RawStatements,
  { events, profiles }: IngestBatch,
  now: Date,
  settings: RuleSettings,
  announced: ReadonlySet<string>,
  defaultMarketingConsent: boolean,
): Promise<BatchIngestResult> {
  const fresh = await freshIndexes(tx, events, "Event");
  const freshProfiles = await freshIndexes(tx, profiles, "ProfileUpdate");
  // One resolution for both, so a ghost named by an event and an identify is merged once.
  const resolution = await resolveContacts(
    tx,
    [
      ...fresh.map((index) => (events[index] as IncomingEvent).contact),
      ...freshProfiles.map((index) => (profiles[index] as IncomingProfileUpdate).contact),
    ],
    now,
    defaultMarketingConsent,
  );
  const touched = [...new Set([...resolution.contactIds, ...resolution.mergeTargets])].sort();
  const contacts = await lockTouchedContacts(tx, touched);

  const { applied: appliedProfiles, profiles: updated } = await applyProfileUpdates(
    tx,
    freshProfiles.map((index, position) => ({
      ...(profiles[index] as IncomingProfileUpdate),
      contactId: resolution.contactIds[fresh.length + position] as string,
    })),
    now,
  );
  for (const { id, properties, anonymous } of updated) {
    Object.assign(contacts.get(id) as TouchedContact, { properties, anonymous });
  }

  const candidates = fresh.map((index, position) => ({
    ...(events[index] as IncomingEvent),
    index,
    contactId: resolution.contactIds[position] as string,
  }));
  const inserted = await insertEvents(tx, candidates);
  const idOfKey = new Map(inserted.map((row) => [row.idempotencyKey, String(row.id)]));
  const stored: StoredEvent[] = candidates.flatMap((event) => {
    const eventId = idOfKey.get(event.idempotencyKey);
    return eventId ? [{ ...event, eventId }] : [];
  });

  const { orders, purchasedCartIds } = await applyCommerceEvents(tx, stored, now);
  addActivity(contacts, stored, orders);
  const scores = await moveScores(
    tx,
    [...contacts.values()],
    stored,
    now,
    settings.scoring,
    resolution.mergeTargets,
  );
  for (const [id, { score, running }] of scores) {
    Object.assign(contacts.get(id) as TouchedContact, {
      score,
      behaviourScore: running.points,
      scoredAt: running.at,
      scoreHalfLifeDays: running.halfLifeDays,
    });
  }
  const stageChanges = planStageMoves({
    stages: contacts,
    events: stored,
    scores: new Map([...scores].map(([id, { score }]) => [id, score])),
    rules: settings.stages.rules,
    mqlThreshold: settings.scoring.mqlThreshold,
    now,
  });
  const stageMovedAt = new Date();
  for (const change of stageChanges) {
    Object.assign(contacts.get(change.contactId) as TouchedContact, {
      lifecycleStage: change.to,
      highestStage: change.highestStage,
      stageMovedAt,
    });
  }
  // After the carts and orders: the facts count the batch's own.
  const facts = await readSegmentFacts(tx, touched, now, settings.segments);
  const segments = planSegments(
    [...contacts.values()].map((contact) => ({
      ...contact,
      revenue: contact.revenueCents / 100,
      ...(facts.get(contact.id) as SegmentFacts),
    })),
    now,
    settings.segments,
    resolution.created,
  );
  for (const { id, segment, checkAt } of segments.changed) {
    Object.assign(contacts.get(id) as TouchedContact, { segment, segmentCheckAt: checkAt });
  }

  await writeTouchedContacts(tx, contacts.values());
  // A contact's announcements in the order they happened: its stage moves, its events, its segment.
  const stageNews = await recordStageChanges(tx, stageChanges);
  const segmentNews = await recordSegmentMoves(tx, segments.moves, now);
  await enqueueContactChanges(tx, [
    ...stageNews,
    ...stored
      .filter((event) => announced.has(event.type) && !abandonsPurchasedCart(event, purchasedCartIds))
      .map(
        (event): ContactChangeRow => ({
          contactId: event.contactId,
          change: {
            kind: "event",
            eventType: event.type,
            properties: event.properties,
            occurredAt: event.occurredAt.toISOString(),
          },
        }),
      ),
    ...segmentNews,
  ]);

  const accepted = new Map(stored.map((event) => [event.index, event]));
  const freshProfileSet = new Set(freshProfiles);
  const results = events.map((_event, index): EventOutcome => {
    const event = accepted.get(index);
    return event
      ? { index, status: "accepted", eventId: event.eventId, contactId: event.contactId }
      : { index, status: "duplicate" };
  });
  return {
    accepted: stored.length,
    duplicates: events.length - stored.length,
    stageChanges: stageChanges.length,
    segmentChanges: segments.moves.length,
    results,
    profiles: profiles.map((profile, index) =>
      freshProfileSet.has(index) && appliedProfiles.has(profile.idempotencyKey) ? "applied" : "duplicate",
    ),
  };
}
