// The operator's view of the outbox: rows the dispatcher gave up on (parked after OUTBOX_MAX_ATTEMPTS)
// and their retry once the cause is fixed. A parked row no longer holds up its contact's later rows;
// a retried one is delivered like a new row, in its original place in the contact's order.
import { countParkedRows, listParkedRows, retryParkedRow } from "../../activities/outbox/outbox-leases.ts";
import { redactAddresses } from "../../domain/email/smtp-failure.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { notFound } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";
import { OutboxRowParams, ParkedRowsPage, ParkedRowsQuery, RetriedRow } from "../schemas/outbox-schemas.ts";

export function outboxRoutes(store: ContactStore): RouteDefinition[] {
  const tags = ["outbox"];
  return [
    defineRoute({
      method: "get",
      path: "/v1/outbox/parked",
      access: "read",
      tags,
      summary: "Contact changes the dispatcher could not deliver to Temporal and parked",
      description:
        "Oldest first, paged by `after`. Each row names its contact by id and the last delivery error; the change itself is not shown.",
      query: ParkedRowsQuery,
      responses: { 200: { description: "a page of parked rows", schema: ParkedRowsPage } },
      handle: async ({ query, res }) => {
        const [rows, total] = await Promise.all([
          listParkedRows(store, { limit: query.limit, after: query.after ? BigInt(query.after) : undefined }),
          countParkedRows(store),
        ]);
        const last = rows.at(-1);
        res.json({
          total,
          parked: rows.map((row) => ({
            ...row,
            // Temporal's errors name no contact, but a message is text from elsewhere: no addresses out.
            lastError: row.lastError === null ? null : redactAddresses(row.lastError),
            createdAt: row.createdAt.toISOString(),
            parkedAt: row.parkedAt.toISOString(),
          })),
          next: last && rows.length === query.limit ? last.id : null,
        });
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/outbox/:id/retry",
      access: "admin",
      tags,
      summary: "Deliver a parked row again, with a fresh attempt budget",
      params: OutboxRowParams,
      notFoundWhat: "parked outbox row",
      responses: { 202: { description: "the row is pending again", schema: RetriedRow } },
      handle: async ({ params, res }) => {
        if (!(await retryParkedRow(store, BigInt(params.id)))) throw notFound("parked outbox row");
        res.status(202).json({ id: params.id, status: "pending" });
      },
    }),
  ];
}
