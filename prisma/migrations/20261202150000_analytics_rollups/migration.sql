-- Roll-ups for the journey analytics (activities/analytics/rollup-sql.ts reads them, BENCHMARKS.md says
-- why): tallies for the counts "now", daily roll-ups of runs and program emails, hourly segment movements.
--
-- They are maintained by triggers in the same transaction as the facts, so they cannot drift: a late
-- fact, an update (a send, an open, a run ending, a backward move) or a delete (cascading from a contact)
-- adds and subtracts exactly what it changes. A refresher would have to know which old days a late
-- open or a run ending weeks later touched. The triggers are statement-level with transition tables
-- (one INSERT ... ON CONFLICT per statement, however many rows) except Contact updates: ingestion
-- updates a contact on every event, so that trigger is a row trigger whose WHEN clause skips, without
-- calling any function, every update that leaves stage, segment, orders and merge alone.
--
-- Days and hours are UTC. Runs and emails are keyed by the day they started and the day their outcome
-- came ("outcomeDay": a run's end, 'infinity' while running, a send, an open, a click, '-infinity' for
-- a measure with no time of its own), so a period reads its whole days from here and its partial edge
-- days, and the outcomes on the day its end falls in, from the facts (indexes below). Segment
-- movements are hourly because the customers route buckets them by local day. Tallies are split over
-- 16 shards by backend pid so that concurrent writers do not queue on one counter row.

-- CreateIndex
CREATE INDEX "Enrollment_endedAt_idx" ON "Enrollment"("endedAt");

-- CreateIndex
CREATE INDEX "SendLedger_firstOpenedAt_idx" ON "SendLedger"("firstOpenedAt");

-- CreateIndex
CREATE INDEX "SendLedger_firstClickedAt_idx" ON "SendLedger"("firstClickedAt");

-- CreateTable
CREATE TABLE "StageTally" (
    "kind" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "contacts" BIGINT NOT NULL,

    CONSTRAINT "StageTally_pkey" PRIMARY KEY ("kind","stage","shard")
);

-- CreateTable
CREATE TABLE "CustomerTally" (
    "segment" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "customers" BIGINT NOT NULL,
    "orders" BIGINT NOT NULL,
    "revenue" DECIMAL(20,2) NOT NULL,

    CONSTRAINT "CustomerTally_pkey" PRIMARY KEY ("segment","shard")
);

-- CreateTable
CREATE TABLE "SegmentTally" (
    "segment" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "memberships" BIGINT NOT NULL,

    CONSTRAINT "SegmentTally_pkey" PRIMARY KEY ("segment","shard")
);

-- CreateTable
CREATE TABLE "SegmentMovementHourly" (
    "kind" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "segment" TEXT NOT NULL,
    "memberships" BIGINT NOT NULL,

    CONSTRAINT "SegmentMovementHourly_pkey" PRIMARY KEY ("kind","hour","segment")
);

-- CreateTable
CREATE TABLE "EnrollmentDaily" (
    "startDay" TIMESTAMP(3) NOT NULL,
    "sequenceKey" TEXT NOT NULL,
    "sequenceVersion" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "exitReason" TEXT NOT NULL,
    "outcomeDay" TIMESTAMP(3) NOT NULL,
    "runs" BIGINT NOT NULL,

    CONSTRAINT "EnrollmentDaily_pkey" PRIMARY KEY ("startDay","sequenceKey","sequenceVersion","status","exitReason","outcomeDay")
);

-- CreateTable
CREATE TABLE "SendStepDaily" (
    "createdDay" TIMESTAMP(3) NOT NULL,
    "sequenceKey" TEXT NOT NULL,
    "sequenceVersion" INTEGER NOT NULL,
    "stepId" TEXT NOT NULL,
    "templateKey" TEXT NOT NULL,
    "measure" TEXT NOT NULL,
    "outcomeDay" TIMESTAMP(3) NOT NULL,
    "emails" BIGINT NOT NULL,
    "firstCreatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SendStepDaily_pkey" PRIMARY KEY ("createdDay","sequenceKey","sequenceVersion","stepId","templateKey","measure","outcomeDay")
);

-- The roll-up statements, as text the trigger functions below are generated from (only a trigger
-- function's own statements see its transition tables). %s is the changed rows with a delta column
-- (+1 new, -1 old). The migration runner splits scripts at every semicolon, so these are SQL functions
-- of one statement, and PL/pgSQL bodies are generated with chr(59) or written with \073.

-- Contacts: stage counts now (merged ghosts left out) and lifetime value per current segment.
CREATE FUNCTION analytics_contacts_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    WITH stages AS (
      INSERT INTO "StageTally" (kind, stage, shard, contacts)
      SELECT k.kind, k.stage, pg_backend_pid() %% 16, sum(c.delta) FROM %1$s c
      CROSS JOIN LATERAL (VALUES ('current', c."lifecycleStage"), ('highest', c."highestStage")) k(kind, stage)
      WHERE c."mergedIntoId" IS NULL
      GROUP BY 1, 2 HAVING sum(c.delta) <> 0 ORDER BY 1, 2
      ON CONFLICT (kind, stage, shard) DO UPDATE SET contacts = "StageTally".contacts + excluded.contacts
    )
    INSERT INTO "CustomerTally" (segment, shard, customers, orders, revenue)
    SELECT c.segment, pg_backend_pid() %% 16, sum(c.delta), sum(c.delta * c."orderCount"), sum(c.delta * c."totalRevenue")
    FROM %1$s c WHERE c."orderCount" > 0 AND c."mergedIntoId" IS NULL
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (segment, shard) DO UPDATE SET customers = "CustomerTally".customers + excluded.customers,
      orders = "CustomerTally".orders + excluded.orders, revenue = "CustomerTally".revenue + excluded.revenue
  $sql$, changed)
$$;

-- Segment memberships: open ones per segment now, and entries and exits per hour.
CREATE FUNCTION analytics_segment_memberships_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    WITH open AS (
      INSERT INTO "SegmentTally" (segment, shard, memberships)
      SELECT c.segment, pg_backend_pid() %% 16, sum(c.delta) FROM %1$s c WHERE c."leftAt" IS NULL
      GROUP BY 1 HAVING sum(c.delta) <> 0 ORDER BY 1
      ON CONFLICT (segment, shard) DO UPDATE SET memberships = "SegmentTally".memberships + excluded.memberships
    )
    INSERT INTO "SegmentMovementHourly" (kind, hour, segment, memberships)
    SELECT k.kind, date_trunc('hour', k.at), c.segment, sum(c.delta) FROM %1$s c
    CROSS JOIN LATERAL (VALUES ('entered', c."enteredAt"), ('left', c."leftAt")) k(kind, at)
    WHERE k.at IS NOT NULL
    GROUP BY 1, 2, 3 HAVING sum(c.delta) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (kind, hour, segment) DO UPDATE SET memberships = "SegmentMovementHourly".memberships + excluded.memberships
  $sql$, changed)
$$;

-- Runs per start day with their status and the day it came ('infinity' while running).
CREATE FUNCTION analytics_enrollments_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "EnrollmentDaily" ("startDay", "sequenceKey", "sequenceVersion", status, "exitReason", "outcomeDay", runs)
    SELECT date_trunc('day', c."startedAt"), c."sequenceKey", c."sequenceVersion", c.status, coalesce(c."exitReason", ''),
      coalesce(date_trunc('day', c."endedAt"), 'infinity'), sum(c.delta)
    FROM %s c GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(c.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ("startDay", "sequenceKey", "sequenceVersion", status, "exitReason", "outcomeDay")
    DO UPDATE SET runs = "EnrollmentDaily".runs + excluded.runs
  $sql$, changed)
$$;

-- Sequence emails per creation day and step, one row per measure with the day it happened
-- ('-infinity': counted whenever the email was attempted in the period). %s has the ledger columns,
-- the run's sequence and version and a delta.
CREATE FUNCTION analytics_send_steps_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "SendStepDaily" ("createdDay", "sequenceKey", "sequenceVersion", "stepId", "templateKey", measure, "outcomeDay", emails, "firstCreatedAt")
    SELECT date_trunc('day', c."createdAt"), c."sequenceKey", c."sequenceVersion", c."stepId", c."templateKey",
      m.measure, coalesce(date_trunc('day', m.at), '-infinity'), sum(c.delta), min(c."createdAt")
    FROM %s c
    CROSS JOIN LATERAL (VALUES
      ('attempted', NULL::timestamp, true),
      ('sent', c."sentAt", c.status = 'sent' AND c."sentAt" IS NOT NULL),
      ('suppressed', NULL, c.status = 'suppressed'),
      ('bounced', NULL, c.status = 'bounced'),
      ('opened', c."firstOpenedAt", c."firstOpenedAt" IS NOT NULL),
      ('clicked', c."firstClickedAt", c."firstClickedAt" IS NOT NULL)
    ) m(measure, at, counted)
    WHERE m.counted AND c."stepId" IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(c.delta) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT ("createdDay", "sequenceKey", "sequenceVersion", "stepId", "templateKey", measure, "outcomeDay")
    DO UPDATE SET emails = "SendStepDaily".emails + excluded.emails,
      "firstCreatedAt" = least("SendStepDaily"."firstCreatedAt", excluded."firstCreatedAt")
  $sql$, changed)
$$;

-- A statement's changed rows as a FROM item with a delta column.
CREATE FUNCTION analytics_changed_rows(operation TEXT, columns TEXT DEFAULT 't.*', joined TEXT DEFAULT '') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT '(' || CASE operation
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS delta FROM new_rows t %s', columns, joined)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS delta FROM old_rows t %s', columns, joined)
    ELSE format('SELECT %1$s, 1 AS delta FROM new_rows t %2$s UNION ALL SELECT %1$s, -1 FROM old_rows t %2$s', columns, joined)
  END || ')'
$$;

-- The program table joins emails to their run: a run written after its emails brings them in, a
-- deleted run takes them out.
CREATE FUNCTION analytics_run_emails(operation TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT analytics_send_steps_sql(analytics_changed_rows(operation,
    'l.*, t."sequenceKey", t."sequenceVersion"', 'JOIN "SendLedger" l ON l."enrollmentId" = t.id'))
$$;

-- The trigger functions, generated from the statements above as static SQL (PL/pgSQL caches the plan
-- of a static statement, an EXECUTE is parsed and planned on every call). One function per table, a
-- branch per operation: a branch is planned the first time it runs, so an INSERT never plans the
-- branch that reads old_rows.
CREATE FUNCTION analytics_execute(statement TEXT) RETURNS void LANGUAGE plpgsql AS E'BEGIN EXECUTE statement\073 END';

CREATE FUNCTION analytics_trigger_function_sql(name TEXT, on_insert TEXT, on_update TEXT, on_delete TEXT) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('CREATE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS %L', name,
    format('BEGIN IF TG_OP = %L THEN %s%s ELSIF TG_OP = %L THEN %s%s ELSE %s%s END IF%s RETURN NULL%s END',
      'INSERT', on_insert, chr(59), 'DELETE', on_delete, chr(59), on_update, chr(59), chr(59), chr(59)))
$$;

SELECT analytics_execute(analytics_trigger_function_sql('analytics_contacts_statement',
  analytics_contacts_sql(analytics_changed_rows('INSERT')), analytics_contacts_sql(analytics_changed_rows('UPDATE')),
  analytics_contacts_sql(analytics_changed_rows('DELETE'))));

-- Only ever an UPDATE: one row, OLD out and NEW in.
SELECT analytics_execute(analytics_trigger_function_sql('analytics_contact_row', 'NULL',
  analytics_contacts_sql('(SELECT (OLD).*, -1 AS delta UNION ALL SELECT (NEW).*, 1)'), 'NULL'));

SELECT analytics_execute(analytics_trigger_function_sql('analytics_segment_memberships_statement',
  analytics_segment_memberships_sql(analytics_changed_rows('INSERT')),
  analytics_segment_memberships_sql(analytics_changed_rows('UPDATE')),
  analytics_segment_memberships_sql(analytics_changed_rows('DELETE'))));

SELECT analytics_execute(analytics_trigger_function_sql('analytics_enrollments_statement',
  analytics_enrollments_sql(analytics_changed_rows('INSERT')) || chr(59) || analytics_run_emails('INSERT'),
  analytics_enrollments_sql(analytics_changed_rows('UPDATE')),
  analytics_enrollments_sql(analytics_changed_rows('DELETE')) || chr(59) || analytics_run_emails('DELETE')));

SELECT analytics_execute(analytics_trigger_function_sql('analytics_send_ledger_statement',
  analytics_send_steps_sql(analytics_changed_rows('INSERT', 't.*, e."sequenceKey", e."sequenceVersion"', 'JOIN "Enrollment" e ON e.id = t."enrollmentId"')),
  analytics_send_steps_sql(analytics_changed_rows('UPDATE', 't.*, e."sequenceKey", e."sequenceVersion"', 'JOIN "Enrollment" e ON e.id = t."enrollmentId"')),
  analytics_send_steps_sql(analytics_changed_rows('DELETE', 't.*, e."sequenceKey", e."sequenceVersion"', 'JOIN "Enrollment" e ON e.id = t."enrollmentId"'))));

CREATE TRIGGER analytics_contacts_insert AFTER INSERT ON "Contact"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_contacts_statement();
CREATE TRIGGER analytics_contacts_delete AFTER DELETE ON "Contact"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_contacts_statement();
CREATE TRIGGER analytics_contact_update AFTER UPDATE ON "Contact" FOR EACH ROW
  WHEN (OLD."lifecycleStage" IS DISTINCT FROM NEW."lifecycleStage" OR OLD."highestStage" IS DISTINCT FROM NEW."highestStage"
    OR OLD."mergedIntoId" IS DISTINCT FROM NEW."mergedIntoId" OR OLD.segment IS DISTINCT FROM NEW.segment
    OR OLD."orderCount" IS DISTINCT FROM NEW."orderCount" OR OLD."totalRevenue" IS DISTINCT FROM NEW."totalRevenue")
  EXECUTE FUNCTION analytics_contact_row();

CREATE TRIGGER analytics_segment_memberships_insert AFTER INSERT ON "SegmentMembership"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_segment_memberships_statement();
CREATE TRIGGER analytics_segment_memberships_update AFTER UPDATE ON "SegmentMembership"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_segment_memberships_statement();
CREATE TRIGGER analytics_segment_memberships_delete AFTER DELETE ON "SegmentMembership"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_segment_memberships_statement();

CREATE TRIGGER analytics_enrollments_insert AFTER INSERT ON "Enrollment"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_enrollments_statement();
CREATE TRIGGER analytics_enrollments_update AFTER UPDATE ON "Enrollment"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_enrollments_statement();
CREATE TRIGGER analytics_enrollments_delete AFTER DELETE ON "Enrollment"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_enrollments_statement();

CREATE TRIGGER analytics_send_ledger_insert AFTER INSERT ON "SendLedger"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_send_ledger_statement();
CREATE TRIGGER analytics_send_ledger_update AFTER UPDATE ON "SendLedger"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_send_ledger_statement();
CREATE TRIGGER analytics_send_ledger_delete AFTER DELETE ON "SendLedger"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_send_ledger_statement();

-- Backfill from the facts already stored, as if each row had just been inserted.
SELECT analytics_execute(analytics_contacts_sql('(SELECT t.*, 1 AS delta FROM "Contact" t)'));
SELECT analytics_execute(analytics_segment_memberships_sql('(SELECT t.*, 1 AS delta FROM "SegmentMembership" t)'));
SELECT analytics_execute(analytics_enrollments_sql('(SELECT t.*, 1 AS delta FROM "Enrollment" t)'));
SELECT analytics_execute(analytics_send_steps_sql('(SELECT t.*, e."sequenceKey", e."sequenceVersion", 1 AS delta FROM "SendLedger" t JOIN "Enrollment" e ON e.id = t."enrollmentId")'));
DROP FUNCTION analytics_execute(TEXT);
DROP FUNCTION analytics_trigger_function_sql(TEXT, TEXT, TEXT, TEXT);
