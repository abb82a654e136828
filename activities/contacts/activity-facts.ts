// The recency, frequency and monetary columns of contacts, advanced by new events, orders and merges.
// Additive and monotonic, so applying facts in any order gives the same row.

import type { Prisma } from "../../generated/prisma/client.ts";

export interface ActivityFacts {
  contactId: string;
  lastActivityAt: Date | null;
  lastOrderAt: Date | null;
  orders: number;
  revenue: number;
}

export async function addActivityFacts(
  tx: Prisma.TransactionClient,
  facts: readonly ActivityFacts[],
): Promise<void> {
  if (facts.length === 0) return;
  // GREATEST ignores NULLs, so a contact's first activity simply sets the column.
  await tx.$executeRaw`
    UPDATE "Contact" c SET
      "lastActivityAt" = GREATEST(c."lastActivityAt", u.last_activity),
      "lastOrderAt" = GREATEST(c."lastOrderAt", u.last_order),
      "orderCount" = c."orderCount" + u.orders,
      "totalRevenue" = c."totalRevenue" + u.revenue
    FROM unnest(
      ${facts.map((f) => f.contactId)}::uuid[],
      ${facts.map((f) => f.lastActivityAt)}::timestamp[],
      ${facts.map((f) => f.lastOrderAt)}::timestamp[],
      ${facts.map((f) => f.orders)}::int[],
      ${facts.map((f) => f.revenue)}::numeric[]
    ) AS u(id, last_activity, last_order, orders, revenue)
    WHERE c.id = u.id`;
}
