// The outbox's delivery bookkeeping: which rows a dispatcher may deliver now, under a fenced lease.
//
// Per contact, rows are delivered in the order they were written: a row is claimable only while no
// earlier row of its contact is still undelivered (parked rows excepted), so a contact's next row
// waits for the previous one across batches and across dispatchers, while other contacts' rows are
// claimed independently. Each claim draws a new lease token; only the holder of the current token can
// mark the row delivered or record its failure, so a dispatcher whose lease ran out writes nothing.
import type { ContactChange } from "../../domain/sequences/contact-change.ts";
import { type ContactStore, sqlPool } from "../../prisma/client.ts";

export interface ClaimedOutboxRow {
  id: bigint;
  contactId: string;
  payload: ContactChange;
  attempts: number;
  leaseToken: string;
}

export interface ParkedOutboxRow {
  id: string;
  kind: string;
  contactId: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  parkedAt: Date;
}

// The claim, the mark and the failure run for every row, so they go straight through pg (sqlPool);
// pg hands int8 back as a string, turned into the bigint the rest of the code uses.

/** Leases up to `limit` rows, each the earliest undelivered row of its contact, for `leaseMs`. */
export async function claimDueRows(
  store: ContactStore,
  options: { limit: number; leaseMs: number },
): Promise<ClaimedOutboxRow[]> {
  const { rows } = await sqlPool(store).query<Omit<ClaimedOutboxRow, "id"> & { id: string }>(
    `UPDATE "Outbox" SET "nextAttemptAt" = now() + make_interval(secs => $1), "leaseToken" = gen_random_uuid()
    WHERE id IN (
      SELECT o.id FROM "Outbox" o
      WHERE o."dispatchedAt" IS NULL AND o."parkedAt" IS NULL AND o."nextAttemptAt" <= now()
        AND NOT EXISTS (
          SELECT 1 FROM "Outbox" e
          WHERE e."contactId" = o."contactId" AND e.id < o.id
            AND e."dispatchedAt" IS NULL AND e."parkedAt" IS NULL)
      ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED)
    RETURNING id, "contactId"::text AS "contactId", payload, attempts, "leaseToken"::text AS "leaseToken"`,
    [options.leaseMs / 1000, options.limit],
  );
  return rows.map((row) => ({ ...row, id: BigInt(row.id) })).sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Marks the row delivered if this lease is still the current one; false when another claim took over. */
export async function markDelivered(store: ContactStore, row: ClaimedOutboxRow): Promise<boolean> {
  const { rowCount } = await sqlPool(store).query(
    `UPDATE "Outbox" SET "dispatchedAt" = now(), "leaseToken" = NULL, "lastError" = NULL
    WHERE id = $1 AND "leaseToken" = $2::uuid AND "dispatchedAt" IS NULL`,
    [String(row.id), row.leaseToken],
  );
  return rowCount === 1;
}

/** Records a failed attempt under the lease: due again after `retryInMs`, or parked. */
export async function recordFailure(
  store: ContactStore,
  row: ClaimedOutboxRow,
  failure: { error: string; retryInMs: number; park: boolean },
): Promise<boolean> {
  const { rowCount } = await sqlPool(store).query(
    `UPDATE "Outbox" SET attempts = attempts + 1, "lastError" = $3,
      "nextAttemptAt" = now() + make_interval(secs => $4),
      "parkedAt" = CASE WHEN $5::boolean THEN now() ELSE NULL END, "leaseToken" = NULL
    WHERE id = $1 AND "leaseToken" = $2::uuid AND "dispatchedAt" IS NULL`,
    [String(row.id), row.leaseToken, failure.error.slice(0, 2000), failure.retryInMs / 1000, failure.park],
  );
  return rowCount === 1;
}

/** Parked rows in the order they were written, from after the row `after` (a page cursor). */
export async function listParkedRows(
  store: ContactStore,
  page: { limit: number; after?: bigint },
): Promise<ParkedOutboxRow[]> {
  const rows = await store.outbox.findMany({
    where: { parkedAt: { not: null }, dispatchedAt: null, ...(page.after ? { id: { gt: page.after } } : {}) },
    orderBy: { id: "asc" },
    take: page.limit,
    select: {
      id: true,
      kind: true,
      contactId: true,
      attempts: true,
      lastError: true,
      createdAt: true,
      parkedAt: true,
    },
  });
  return rows.map((row) => ({ ...row, id: String(row.id), parkedAt: row.parkedAt as Date }));
}

export function countParkedRows(store: ContactStore): Promise<number> {
  return store.outbox.count({ where: { parkedAt: { not: null }, dispatchedAt: null } });
}

/** An operator's retry: the parked row is due now with a fresh attempt budget. False if not parked. */
export async function retryParkedRow(store: ContactStore, id: bigint): Promise<boolean> {
  const updated = await store.outbox.updateMany({
    where: { id, parkedAt: { not: null }, dispatchedAt: null },
    data: { parkedAt: null, attempts: 0, nextAttemptAt: new Date(), leaseToken: null },
  });
  return updated.count === 1;
}
