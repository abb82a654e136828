// POST /v1/webhooks/email-events: bounces and complaints from the mail provider feed the suppression list.
import { Router } from "express";
import { recordEmailFeedback } from "../../activities/consent/email-feedback.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { EmailFeedbackBatch, EmailFeedbackReport } from "../schemas/email-feedback-schemas.ts";
import { parseOrThrow } from "../validation.ts";

export function emailFeedbackRoutes(store: ContactStore): Router {
  const router = Router();
  router.post("/webhooks/email-events", async (req, res) => {
    const reports = (
      Array.isArray(req.body)
        ? parseOrThrow(EmailFeedbackBatch, req.body, "email events")
        : [parseOrThrow(EmailFeedbackReport, req.body, "email event")]
    ).map(({ occurredAt, ...report }) => ({
      ...report,
      ...(occurredAt ? { occurredAt: new Date(occurredAt) } : {}),
    }));
    res.json(await recordEmailFeedback(store, reports));
  });
  return router;
}
