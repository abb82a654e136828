// Request and response shapes of the operator's outbox routes (parked rows and their retry).
import { z } from "zod";

const OutboxId = z.string().regex(/^[1-9][0-9]{0,18}$/, "an outbox row id");

export const OutboxRowParams = z.object({ id: OutboxId });

export const ParkedRowsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    after: OutboxId.optional().describe("The `next` cursor of the previous page"),
  })
  .strict();

// Ids, counts and the delivery error only: the payload (event properties) stays in the database.
export const ParkedRowView = z.object({
  id: z.string(),
  kind: z.string(),
  contactId: z.uuid(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  parkedAt: z.iso.datetime(),
});

export const ParkedRowsPage = z.object({
  total: z.number().int().describe("Parked rows in all"),
  parked: z.array(ParkedRowView),
  next: z.string().nullable().describe("Pass as `after` for the next page; null on the last page"),
});

export const RetriedRow = z.object({ id: z.string(), status: z.literal("pending") });
