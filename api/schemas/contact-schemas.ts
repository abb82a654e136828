// Request and response shapes of the contact routes; the OpenAPI document is generated from them.
import { z } from "zod";
import { decodeCursor } from "../../domain/contacts/list-cursor.ts";
import { LIFECYCLE_STAGES } from "../../domain/lifecycle/stages.ts";
import { BEHAVIOURAL_SEGMENTS } from "../../domain/segments/segments.ts";

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const ContactIdParams = z.object({ id: z.uuid() });

export const ContactUpsert = z
  .object({
    email: z
      .email()
      .max(254)
      .transform((email) => email.toLowerCase()),
    name: z.string().trim().min(1).max(200).optional(),
    timeZone: z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Paris").optional(),
    marketingConsent: z.boolean().optional(),
    properties: z.record(z.string().max(100), z.unknown()).optional(),
  })
  .strict()
  .meta({
    examples: [
      {
        email: "ada@example.com",
        name: "Ada Lovelace",
        timeZone: "Europe/London",
        marketingConsent: true,
        properties: { company: "Analytical Engines", country: "GB" },
      },
    ],
  });

export const StageChangeBody = z
  .object({
    stage: z.enum(LIFECYCLE_STAGES),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .meta({ examples: [{ stage: "lead", reason: "asked for a demo" }] });

export const ContactView = z
  .object({
    id: z.uuid(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    timeZone: z.string(),
    lifecycleStage: z.enum(LIFECYCLE_STAGES),
    highestStage: z.enum(LIFECYCLE_STAGES),
    score: z.number(),
    segment: z.string(),
    marketingConsent: z.boolean(),
    unsubscribedAt: z.string().nullable(),
    properties: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({
    examples: [
      {
        id: "0b6f3c1e-5d2a-4c4e-9f51-2f7f1d3a8c10",
        email: "ada@example.com",
        name: "Ada Lovelace",
        timeZone: "Europe/London",
        lifecycleStage: "lead",
        highestStage: "lead",
        score: 12,
        segment: "new",
        marketingConsent: true,
        unsubscribedAt: null,
        properties: { company: "Analytical Engines", country: "GB" },
        createdAt: "2026-12-01T09:00:00.000Z",
        updatedAt: "2026-12-01T09:05:00.000Z",
      },
    ],
  });

export type ContactView = z.infer<typeof ContactView>;

const Stage = z.enum(LIFECYCLE_STAGES);

export const StageChangeView = z.object({
  contact: ContactView,
  change: z.union([
    z.object({ changed: z.literal(false), stage: Stage }),
    z.object({ changed: z.literal(true), from: Stage, to: Stage, highestStage: Stage }),
  ]),
});

export const CONTACT_PAGE_DEFAULT = 50;
export const CONTACT_PAGE_MAX = 200;

export const ContactListQuery = z
  .object({
    email: z
      .string()
      .trim()
      .min(1)
      .max(254)
      .transform((email) => email.toLowerCase())
      .optional()
      .describe("exact address (case-insensitive)"),
    stage: Stage.optional(),
    segment: z.enum(BEHAVIOURAL_SEGMENTS).optional(),
    cursor: z
      .string()
      .max(200)
      .refine((cursor) => decodeCursor(cursor) !== null, "is not a cursor from an earlier page")
      .optional()
      .describe("nextCursor of the previous page"),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(CONTACT_PAGE_MAX)
      .default(CONTACT_PAGE_DEFAULT)
      .describe(`contacts per page (default ${CONTACT_PAGE_DEFAULT}, at most ${CONTACT_PAGE_MAX})`),
  })
  .strict();

export const ContactPage = z.object({
  contacts: z.array(ContactView),
  /** null on the last page. */
  nextCursor: z.string().nullable(),
});

const Rows = z.array(z.record(z.string(), z.unknown()));

/** Everything stored about a contact (GDPR article 15): one list per kind of record. */
export const ContactExport = z.object({
  exportedAt: z.string(),
  contact: z.record(z.string(), z.unknown()).describe("the profile: every column of the contact"),
  mergedGhosts: Rows.describe("anonymous visitors merged into the contact, with their own profile"),
  anonymousIds: Rows,
  events: Rows,
  profileUpdates: Rows,
  stageChanges: Rows,
  segmentHistory: Rows,
  scorePoints: Rows,
  carts: Rows,
  orders: Rows,
  enrollments: Rows.describe("program runs with the steps they did"),
  sends: Rows.describe("the send ledger: address, subject, status, first open and click"),
  sendDecisions: Rows,
  webhookDeliveries: Rows,
  outbox: Rows.describe("outbox rows announcing the contact's changes to running programs"),
  suppressions: Rows.describe("suppression-list entries of the contact's address"),
});
export type ContactExport = z.infer<typeof ContactExport>;

/** The audit entry of an erasure (GDPR article 17): ids and counts only. */
export const ContactErasureView = z.object({
  contactId: z.uuid(),
  erasedAt: z.string(),
  runsCancelled: z.number().int(),
  records: z.record(z.string(), z.number().int()).describe("rows removed or anonymised, per table"),
});
export type ContactErasureView = z.infer<typeof ContactErasureView>;
