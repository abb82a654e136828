// Request shapes of POST /v1/events: one event, or { events: [...] } with up to MAX_EVENTS_PER_BATCH.
import { z } from "zod";
import { isEventType } from "../../domain/events/event-types.ts";

export const MAX_EVENTS_PER_BATCH = 5_000;
/**
 * An event's properties travel into the outbox and from there into a workflow's input and signal
 * (Temporal refuses payloads of a few MB): 32 KiB of JSON per event keeps every such input small.
 */
export const MAX_EVENT_PROPERTIES_BYTES = 32 * 1024;
const DAY_MS = 86_400_000;
const EARLIEST_EVENT = Date.parse("2000-01-01T00:00:00Z");

const ContactRef = z
  .object({
    id: z.uuid().optional(),
    email: z
      .email()
      .max(254)
      .transform((email) => email.toLowerCase())
      .optional(),
    anonymousId: z.string().trim().min(1).max(200).optional(),
    /** Applies when the event creates the contact; consent of existing contacts changes through /v1/contacts. */
    marketingConsent: z.boolean().optional(),
  })
  .strict()
  .refine((ref) => ref.id || ref.email || ref.anonymousId, "name the contact by id, email or anonymousId");

const id = z.string().trim().min(1).max(200);
const money = z.number().nonnegative().max(1e12);
// Links end up as buttons in emails: only web addresses, never javascript: or data: URLs.
const webUrl = z.url({ protocol: /^https?$/ }).max(2000);
export const MAX_LINE_ITEMS = 200;
// A cart's or an order's line as the shop sends it; emails list them (name, quantity, price, picture,
// link). Other fields (sku, category) are kept for the marketer's own templates.
const LineItem = z.looseObject({
  name: z.string().trim().min(1).max(300),
  quantity: z.number().int().positive().max(1_000_000),
  /** Unit price, in the cart's or order's currency. */
  price: money,
  url: webUrl.optional(),
  imageUrl: webUrl.optional(),
});
const MAX_RECOMMENDATIONS = 12;
const Recommendation = z.looseObject({
  name: z.string().trim().min(1).max(300),
  price: money.optional(),
  url: webUrl,
  imageUrl: webUrl.optional(),
});
const commerceFields = {
  items: z.array(LineItem).max(MAX_LINE_ITEMS).optional(),
  /** ISO 4217 code (EUR, USD); prices are shown in it. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR")
    .optional(),
  /** The link back to the cart, or to the order's page. */
  url: webUrl.optional(),
};
const CartProperties = z.looseObject({ cartId: id, value: money.optional(), ...commerceFields });
// The properties the commerce events must carry: carts and orders are kept from them.
const REQUIRED_PROPERTIES: Readonly<Record<string, z.ZodType>> = {
  cart_updated: CartProperties,
  cart_abandoned: CartProperties,
  order_placed: z.looseObject({
    orderId: id,
    total: money,
    cartId: id.optional(),
    ...commerceFields,
    /** What the shop suggests with this order; the cross-sell email shows them. */
    recommendations: z.array(Recommendation).max(MAX_RECOMMENDATIONS).optional(),
  }),
};

export const EventBody = z
  .object({
    type: z.string().refine(isEventType, "must be a touchpoint type or custom.<name> (a-z, 0-9, _ . -)"),
    contact: ContactRef,
    occurredAt: z.iso
      .datetime({ offset: true })
      // A day of clock skew is tolerated; beyond that the sender's clock or data is wrong.
      .refine((at) => Date.parse(at) <= Date.now() + DAY_MS, "must not be more than a day in the future")
      .refine((at) => Date.parse(at) >= EARLIEST_EVENT, "must not be before 2000-01-01")
      .transform((at) => new Date(at))
      .optional()
      .describe("When it happened (ISO 8601 with offset); omitted: when Nurtureflow received it"),
    properties: z
      .record(z.string().max(100), z.unknown())
      .default({})
      .refine(
        (properties) => Buffer.byteLength(JSON.stringify(properties)) <= MAX_EVENT_PROPERTIES_BYTES,
        `must be at most ${MAX_EVENT_PROPERTIES_BYTES} bytes (32 KiB) as JSON`,
      ),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .describe("The sender's id of the event: a repeat is reported as duplicate and changes nothing"),
  })
  .strict()
  .superRefine((event, ctx) => {
    const schema = REQUIRED_PROPERTIES[event.type];
    const result = schema?.safeParse(event.properties);
    for (const issue of result?.error?.issues ?? []) {
      ctx.addIssue({ code: "custom", path: ["properties", ...issue.path], message: issue.message });
    }
  });

export const EVENT_EXAMPLE = {
  type: "page_view",
  contact: { email: "ada@example.com" },
  properties: { path: "/pricing" },
  idempotencyKey: "web-2f9c1e",
};

export const EVENT_BATCH_EXAMPLE = {
  events: [
    { ...EVENT_EXAMPLE, occurredAt: "2026-12-01T09:30:00Z" },
    {
      type: "form_submitted",
      contact: { email: "ada@example.com" },
      properties: { form: "demo-request" },
      idempotencyKey: "web-2f9c1f",
    },
  ],
};

export const EventBatchBody = z
  .object({ events: z.array(EventBody).min(1).max(MAX_EVENTS_PER_BATCH) })
  .strict();

/** What POST /v1/events takes; the route validates the member the body means (bodyVariant). */
export const EventsBody = z.union([
  EventBody.meta({ title: "One event" }),
  EventBatchBody.meta({ title: "A batch of events" }),
]);

const Outcome = z.object({
  index: z.number(),
  status: z.enum(["accepted", "duplicate"]),
  eventId: z.string().optional(),
  contactId: z.string().optional(),
});

export const IngestResultView = z
  .object({
    accepted: z.number(),
    duplicates: z.number(),
    stageChanges: z.number(),
    segmentChanges: z.number(),
    results: z.array(Outcome),
  })
  .meta({
    examples: [
      {
        accepted: 1,
        duplicates: 0,
        stageChanges: 0,
        segmentChanges: 1,
        results: [
          {
            index: 0,
            status: "accepted",
            eventId: "1",
            contactId: "0b6f3c1e-5d2a-4c4e-9f51-2f7f1d3a8c10",
          },
        ],
      },
    ],
  });

const TimelineEntry = z.looseObject({
  at: z.string(),
  kind: z.enum(["event", "stage_changed", "segment_entered", "send_deferred", "send_expired"]),
});

export const TimelineView = z.object({ contactId: z.uuid(), entries: z.array(TimelineEntry) });
