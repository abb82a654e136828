// What the outbox dispatcher reads and writes in the contact store while it delivers rows, each a
// single statement: a burst of changes claims many rows at once, and one query per row and question
// (through the same pool as the runs' own store calls) made delivery queue behind itself. Straight
// through pg (sqlPool): they run for every row a dispatcher delivers.
import { type ContactStore, sqlPool } from "../../prisma/client.ts";

/** A claimed row's contact as the dispatcher needs it; `exists` false once it is deleted. */
export interface DeliveryContact {
  exists: boolean;
  stage: string | null;
  segment: string | null;
  /** The contact's running enrollments: each run receives the change as a signal. */
  running: Array<{ sequenceKey: string; entryKey: string }>;
}

/** The contacts of a claimed batch, read together after the claim (each row is another contact's). */
export async function readDeliveryContacts(
  store: ContactStore,
  contactIds: readonly string[],
): Promise<Map<string, DeliveryContact>> {
  const { rows } = await sqlPool(store).query<{
    id: string;
    exists: boolean;
    stage: string | null;
    segment: string | null;
    running: unknown;
  }>(
    `SELECT ids.id, c.id IS NOT NULL AS "exists", c."lifecycleStage" AS stage, c.segment,
      COALESCE((SELECT json_agg(json_build_object('sequenceKey', e."sequenceKey", 'entryKey', e."entryKey"))
        FROM "Enrollment" e WHERE e."contactId" = ids.id::uuid AND e.status = 'running'), '[]'::json) AS running
    FROM (SELECT DISTINCT json_array_elements_text($1::json) AS id) ids
    LEFT JOIN "Contact" c ON c.id = ids.id::uuid`,
    [JSON.stringify(contactIds)],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        exists: row.exists,
        stage: row.stage,
        segment: row.segment,
        running: row.running as DeliveryContact["running"],
      },
    ]),
  );
}

/** What the store knows of one prospective enrollment, for the start decision. */
export interface EnrollmentHistory {
  /** Status of the enrollment this row opened, if a delivery opened it before. */
  existing: string | null;
  /** The contact's latest other enrollment in this sequence and entry (skipped ones aside). */
  previous: { endedAt: Date | null } | null;
}

export async function readEnrollmentHistory(
  store: ContactStore,
  enrollment: { id: string; sequenceKey: string; contactId: string; entryKey: string },
): Promise<EnrollmentHistory> {
  const { rows } = await sqlPool(store).query<{
    existing: string | null;
    hasPrevious: boolean;
    previousEndedAt: Date | null;
  }>(
    // "endedAt" is UTC without a zone: as timestamptz, pg reads the instant right.
    `WITH previous AS (
      SELECT "endedAt" AT TIME ZONE 'UTC' AS "endedAt" FROM "Enrollment"
      WHERE "sequenceKey" = $2 AND "contactId" = $3::uuid AND "entryKey" = $4 AND id <> $1 AND status <> 'skipped'
      ORDER BY "startedAt" DESC LIMIT 1)
    SELECT (SELECT status FROM "Enrollment" WHERE id = $1) AS existing,
      EXISTS (SELECT 1 FROM previous) AS "hasPrevious", (SELECT "endedAt" FROM previous) AS "previousEndedAt"`,
    [enrollment.id, enrollment.sequenceKey, enrollment.contactId, enrollment.entryKey],
  );
  const [row] = rows;
  return {
    existing: row?.existing ?? null,
    previous: row?.hasPrevious ? { endedAt: row.previousEndedAt } : null,
  };
}

/** Opens the enrollment (running); a redelivery finds it open and leaves it as it is. */
export async function openEnrollment(
  store: ContactStore,
  enrollment: {
    id: string;
    sequenceKey: string;
    sequenceVersion: number;
    contactId: string;
    entryKey: string;
  },
): Promise<void> {
  await sqlPool(store).query(
    `INSERT INTO "Enrollment" (id, "sequenceKey", "sequenceVersion", "contactId", "entryKey", "startedAt")
    VALUES ($1, $2, $3, $4::uuid, $5, $6::timestamp)
    ON CONFLICT (id) DO NOTHING`,
    [
      enrollment.id,
      enrollment.sequenceKey,
      enrollment.sequenceVersion,
      enrollment.contactId,
      enrollment.entryKey,
      new Date().toISOString(),
    ],
  );
}
