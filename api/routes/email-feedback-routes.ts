// POST /v1/webhooks/email-events: bounces and complaints from the mail provider feed the suppression list.
import { recordEmailFeedback } from "../../activities/consent/email-feedback.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import {
  EmailFeedbackBatch,
  EmailFeedbackBody,
  EmailFeedbackReport,
  EmailFeedbackResult,
} from "../schemas/email-feedback-schemas.ts";

export function emailFeedbackRoutes(store: ContactStore): RouteDefinition[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/webhooks/email-events",
      access: "admin",
      tags: ["email"],
      summary: "Bounce and complaint reports: suppress the address; a complaint also unsubscribes",
      body: EmailFeedbackBody,
      bodyVariant: (raw) =>
        Array.isArray(raw)
          ? { schema: EmailFeedbackBatch, name: "email events" }
          : { schema: EmailFeedbackReport, name: "email event" },
      responses: { 200: { description: "Recorded", schema: EmailFeedbackResult } },
      handle: async ({ body, res }) => {
        const reports = (Array.isArray(body) ? body : [body]).map(({ occurredAt, ...report }) => ({
          ...report,
          ...(occurredAt ? { occurredAt: new Date(occurredAt) } : {}),
        }));
        res.json(await recordEmailFeedback(store, reports));
      },
    }),
  ];
}
