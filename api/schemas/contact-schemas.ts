// Request and response shapes of the contact routes; the OpenAPI document is generated from them.
import { z } from "zod";
import { LIFECYCLE_STAGES } from "../../domain/lifecycle/stages.ts";

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
