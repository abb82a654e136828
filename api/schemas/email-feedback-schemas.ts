// The generic bounce and complaint webhook: one report or an array of them, as most providers can be
// configured (or bridged) to post.
import { z } from "zod";

export const EmailFeedbackReport = z
  .object({
    type: z.enum(["bounce", "complaint"]),
    email: z
      .email()
      .max(254)
      .transform((email) => email.toLowerCase()),
    reason: z.string().max(500).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const EmailFeedbackBatch = z.array(EmailFeedbackReport).min(1).max(1000);

/** One report or a batch; the route validates the form the body takes (bodyVariant), so problems name its fields. */
export const EmailFeedbackBody = z.union([EmailFeedbackReport, EmailFeedbackBatch]);

export const EmailFeedbackResult = z.object({
  suppressed: z.number().int(),
  unsubscribed: z.number().int(),
});
