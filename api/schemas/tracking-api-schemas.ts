// Request shapes of the Segment-compatible tracking API. A batch is checked message by message, so one
// bad message does not cost the good ones (see tracking-api-routes.ts).
import { z } from "zod";
import { isEventType } from "../../domain/events/event-types.ts";
import { TRACKING_CALL_TYPES } from "../../domain/integrations/tracking-messages.ts";

/** Segment's limits: 500 KB per request, 32 KB per message. */
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_MESSAGE_BYTES = 32 * 1024;

const Email = z
  .email()
  .max(254)
  .transform((email) => email.toLowerCase());
// Segment ids are strings; the SDKs have long accepted numbers too.
const Id = z
  .union([z.string().trim().min(1).max(200), z.number()])
  .nullish()
  .transform((id) => (id === null || id === undefined ? undefined : String(id)));
const Time = z.iso
  .datetime({ offset: true })
  .transform((at) => new Date(at))
  .optional();
const Fields = z.record(z.string().max(100), z.unknown());

export const TrackingMessageBody = z.looseObject({
  type: z.enum(TRACKING_CALL_TYPES),
  messageId: z.string().min(1).max(200).optional(),
  userId: Id,
  anonymousId: Id,
  event: z.string().max(200).optional(),
  name: z
    .string()
    .max(200)
    .nullish()
    .transform((name) => name ?? undefined),
  category: z
    .string()
    .max(200)
    .nullish()
    .transform((category) => category ?? undefined),
  previousId: Id,
  groupId: Id,
  properties: Fields.default({}),
  traits: z.looseObject({ email: Email.optional() }).default({}),
  context: z.looseObject({ traits: z.looseObject({ email: Email.optional() }).optional() }).default({}),
  timestamp: Time,
  originalTimestamp: Time,
  sentAt: Time,
});

export const TrackingBatchBody = z.looseObject({
  batch: z.array(z.unknown()).min(1),
  writeKey: z.string().optional(),
  sentAt: Time,
  context: z.record(z.string(), z.unknown()).optional(),
});

/** One call of a single-message route; its type comes from the path. */
export const TrackingCallBody = z.looseObject({ writeKey: z.string().optional() });

export const TrackingResultView = z.object({
  success: z.literal(true),
  accepted: z.number(),
  duplicates: z.number(),
  rejected: z.array(
    z.object({
      index: z.number(),
      messageId: z.string().optional(),
      errors: z.array(z.object({ field: z.string(), message: z.string() })),
    }),
  ),
});

export const TrackingMappingBody = z
  .object({
    events: z.record(
      z.string().trim().min(1).max(200),
      z.string().refine(isEventType, "must be a touchpoint type or custom.<name> (a-z, 0-9, _ . -)"),
    ),
    consentCategory: z.string().trim().min(1).max(100),
  })
  .strict();
