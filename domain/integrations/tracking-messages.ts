// Segment's message format (identify, track, page, screen, alias, group), as the Segment and
// RudderStack SDKs and the nf.js tracker send it, mapped onto Nurtureflow: an event for what the
// contact did, and a profile update for what the message says about the contact.
import { eventTypeForName, type TrackingEventMapping } from "./tracking-event-mapping.ts";

export const TRACKING_CALL_TYPES = ["identify", "track", "page", "screen", "alias", "group"] as const;
export type TrackingCallType = (typeof TRACKING_CALL_TYPES)[number];

type Fields = Record<string, unknown>;

/** A message already checked for shape (api/schemas/tracking-api-schemas.ts). */
export interface TrackingMessage {
  type: TrackingCallType;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  /** track: the event name. */
  event?: string;
  /** page and screen: the page or screen name. */
  name?: string;
  category?: string;
  /** alias: the id the user had before (an anonymous id). */
  previousId?: string;
  /** group: the account the user belongs to. */
  groupId?: string;
  properties: Fields;
  traits: Fields;
  context: Fields;
  timestamp?: Date;
  originalTimestamp?: Date;
  /** The message's own sentAt, else the batch's. */
  sentAt?: Date;
}

/** How the contact is named; the shape of the ingestion's contact reference. */
export interface TrackedContactRef {
  externalId?: string;
  email?: string;
  anonymousId?: string;
}

export interface ProfileFields {
  email?: string;
  name?: string;
  timeZone?: string;
  marketingConsent?: boolean;
}

export interface MappedMessage {
  contact: TrackedContactRef;
  event?: { type: string; occurredAt: Date; properties: Fields; idempotencyKey: string };
  profile?: { fields: ProfileFields; properties: Fields; occurredAt: Date; idempotencyKey: string };
}

export interface MessageProblem {
  field: string;
  message: string;
}

export type MappingOutcome = { ok: true; mapped: MappedMessage } | { ok: false; problems: MessageProblem[] };

const EARLIEST = Date.parse("2000-01-01T00:00:00Z");

/**
 * Segment's clock-skew rule: the client's time plus how far its clock was behind the receiver's when
 * it sent the message, timestamp + (receivedAt − sentAt). A time still after receivedAt is receivedAt.
 */
export function occurredAtOf(message: TrackingMessage, receivedAt: Date): Date {
  const clientTime = message.timestamp ?? message.originalTimestamp ?? receivedAt;
  const skew = message.sentAt ? receivedAt.getTime() - message.sentAt.getTime() : 0;
  return new Date(Math.min(clientTime.getTime() + skew, receivedAt.getTime()));
}

const isRecord = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

/** Money as a number; the SDKs send numbers, hand-written calls sometimes "12.50". */
function amount(value: unknown): number | undefined {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) && number >= 0 && number <= 1e12
    ? number
    : undefined;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function productsValue(products: unknown): number | undefined {
  if (!Array.isArray(products) || products.length === 0) return undefined;
  let sum = 0;
  for (const product of products) {
    const price = isRecord(product) ? amount(product.price) : undefined;
    if (price === undefined) return undefined;
    sum += price * (isRecord(product) ? (amount(product.quantity) ?? 1) : 1);
  }
  return Math.round(sum * 100) / 100;
}

/** Without a cart_id, a visitor has one cart: the device's (anonymous id) or else the user's. */
function visitorCartId(message: TrackingMessage): string {
  return message.anonymousId ? `anon:${message.anonymousId}` : `user:${message.userId}`;
}

/** The Nurtureflow properties the commerce types need, added beside the spec's own. */
function commerceProperties(
  type: string,
  message: TrackingMessage,
  problems: MessageProblem[],
): Fields | undefined {
  const props = message.properties;
  const cartId = text(props.cart_id) ?? text(props.cartId) ?? visitorCartId(message);
  if (type === "order_placed") {
    const orderId = text(props.order_id) ?? text(props.orderId);
    const total = amount(props.total) ?? amount(props.revenue) ?? productsValue(props.products);
    if (!orderId) problems.push({ field: "properties.order_id", message: "an order needs its order_id" });
    if (total === undefined)
      problems.push({ field: "properties.total", message: "an order needs total or revenue (a number ≥ 0)" });
    return { orderId, total, cartId };
  }
  if (type === "cart_updated" || type === "cart_abandoned") {
    const value = amount(props.value) ?? amount(props.total) ?? productsValue(props.products);
    const items = Array.isArray(props.products) ? props.products : undefined;
    return { cartId, ...(value === undefined ? {} : { value }), ...(items ? { items } : {}) };
  }
  return undefined;
}

function pageProperties(message: TrackingMessage): Fields {
  const page = isRecord(message.context.page) ? message.context.page : {};
  const known = Object.fromEntries(
    ["path", "url", "title", "referrer", "search"].flatMap((key) =>
      page[key] === undefined ? [] : [[key, page[key]]],
    ),
  );
  const named = message.type === "screen" ? { screen: message.name } : { name: message.name };
  return {
    ...known,
    ...(message.name === undefined ? {} : named),
    ...(message.category === undefined ? {} : { category: message.category }),
    ...message.properties,
  };
}

const TRAIT_FIELDS = new Set([
  "email",
  "name",
  "timezone",
  "timeZone",
  "marketingConsent",
  "marketing_consent",
]);

function identifyProfile(
  message: TrackingMessage,
  problems: MessageProblem[],
): { fields: ProfileFields; properties: Fields } {
  const traits = message.traits;
  const fields: ProfileFields = {};
  const name =
    text(traits.name) ??
    ([text(traits.firstName), text(traits.lastName)].filter(Boolean).join(" ") || undefined);
  if (name) fields.name = name.slice(0, 200);
  const zone = text(traits.timezone) ?? text(traits.timeZone);
  const deviceZone = text(message.context.timezone);
  if (zone && !isTimeZone(zone)) {
    problems.push({ field: "traits.timezone", message: "must be an IANA time zone such as Europe/Paris" });
  } else if (zone) fields.timeZone = zone;
  else if (deviceZone && isTimeZone(deviceZone)) fields.timeZone = deviceZone;
  const consent = traits.marketingConsent ?? traits.marketing_consent;
  if (typeof consent === "boolean") fields.marketingConsent = consent;
  const email = text(traits.email);
  if (email) fields.email = email;
  const properties = Object.fromEntries(Object.entries(traits).filter(([key]) => !TRAIT_FIELDS.has(key)));
  return { fields, properties };
}

/** Segment's consent object: context.consent.categoryPreferences.<category>, matched without case. */
function consentPreference(message: TrackingMessage, category: string): boolean | undefined {
  const consent = message.context.consent;
  const preferences = isRecord(consent) ? consent.categoryPreferences : undefined;
  if (!isRecord(preferences)) return undefined;
  const wanted = category.toLowerCase();
  const entry = Object.entries(preferences).find(([key]) => key.toLowerCase() === wanted);
  return typeof entry?.[1] === "boolean" ? entry[1] : undefined;
}

function contactOf(message: TrackingMessage): TrackedContactRef {
  const contextTraits = isRecord(message.context.traits) ? message.context.traits : {};
  const email =
    text(message.type === "identify" ? message.traits.email : undefined) ?? text(contextTraits.email);
  const anonymousId = message.type === "alias" ? message.previousId : message.anonymousId;
  return {
    ...(message.userId ? { externalId: message.userId } : {}),
    ...(email ? { email } : {}),
    ...(anonymousId ? { anonymousId } : {}),
  };
}

export function mapTrackingMessage(
  message: TrackingMessage,
  mapping: TrackingEventMapping,
  receivedAt: Date,
): MappingOutcome {
  const problems: MessageProblem[] = [];
  const contact = contactOf(message);
  if (!contact.externalId && !contact.anonymousId) {
    problems.push({
      field: message.type === "alias" ? "previousId" : "userId",
      message: message.type === "alias" ? "alias needs userId and previousId" : "needs userId or anonymousId",
    });
  }
  if (message.type === "alias" && !message.userId)
    problems.push({ field: "userId", message: "alias needs userId and previousId" });
  const occurredAt = occurredAtOf(message, receivedAt);
  if (occurredAt.getTime() < EARLIEST)
    problems.push({
      field: "timestamp",
      message: "must not be before 2000-01-01 (after clock-skew correction)",
    });

  const idempotencyKey = message.messageId;
  let event: MappedMessage["event"];
  if (message.type === "track") {
    const type = message.event === undefined ? null : eventTypeForName(message.event, mapping);
    if (type === null) {
      problems.push({ field: "event", message: "needs a name with a letter or digit" });
    } else {
      const added = commerceProperties(type, message, problems);
      event = { type, occurredAt, properties: { ...message.properties, ...added }, idempotencyKey };
    }
  } else if (message.type === "page" || message.type === "screen") {
    event = { type: "page_view", occurredAt, properties: pageProperties(message), idempotencyKey };
  }

  let profile: MappedMessage["profile"];
  const consent = consentPreference(message, mapping.consentCategory);
  if (
    message.type === "identify" ||
    message.type === "alias" ||
    message.type === "group" ||
    consent !== undefined
  ) {
    const { fields, properties } =
      message.type === "identify" ? identifyProfile(message, problems) : { fields: {}, properties: {} };
    if (message.type === "group" && message.groupId)
      Object.assign(properties, { groupId: message.groupId, group: message.traits });
    if (consent !== undefined) fields.marketingConsent = consent;
    profile = { fields, properties, occurredAt, idempotencyKey };
  }
  if (message.type === "group" && !message.groupId)
    problems.push({ field: "groupId", message: "group needs a groupId" });

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, mapped: { contact, ...(event ? { event } : {}), ...(profile ? { profile } : {}) } };
}
