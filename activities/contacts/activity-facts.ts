// The recency, frequency and monetary columns of contacts, advanced by a merge's facts (batch ingestion
// advances them in memory, activities/events/ingest-events.ts). Additive and monotonic, so applying
// facts in any order gives the same row.

import type { RawStatements } from "../../prisma/raw-statements.ts";

export interface ActivityFacts {
  contactId: string;
  lastActivityAt: Date | null;
  lastOrderAt: Date | null;
  orders: number;
  revenue: number;
}

export async function addActivityFacts(tx: RawStatements, facts: readonly ActivityFacts[]): Promise<void> {
  if (facts.length === 0) return;
  // GREATEST ignores NULLs, so a contact's first activity simply sets the column. One JSON parameter:
  // Prisma converts array parameters element by element, which for many rows costs milliseconds.
  await tx.$executeRaw`
    UPDATE "Contact" c SET
      "lastActivityAt" = GREATEST(c."lastActivityAt", u."lastActivityAt"),
      "lastOrderAt" = GREATEST(c."lastOrderAt", u."lastOrderAt"),
      "orderCount" = c."orderCount" + u.orders,
      "totalRevenue" = c."totalRevenue" + u.revenue
    FROM json_to_recordset(${JSON.stringify(facts)}::json) AS u(
      "contactId" uuid, "lastActivityAt" timestamp, "lastOrderAt" timestamp, orders int, revenue numeric)
    WHERE c.id = u."contactId"`;
}
