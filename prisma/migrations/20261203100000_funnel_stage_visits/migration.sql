-- The funnel's stage visits as facts, with hourly and daily roll-ups of them (issue #11,
-- activities/analytics/funnel-metrics.ts reads them, BENCHMARKS.md "Journey metrics" says why). Like
-- the roll-ups of 20261202150000_analytics_rollups they are kept by triggers in the transaction that
-- writes the facts, so they cannot drift.
--
-- "StageVisit" has one row per visit as the funnel defines it: an entry into a stage (a contact's
-- creation is its entry into subscriber, changeId 0), ended by the contact's next entry in the order
-- (time, change id), with the outcome that entry gives whenever it came: converted (a higher stage),
-- fell_back (a lower one) or none. Merged ghosts have no visits. A period counts its visits from the
-- hourly roll-up and reads the visits themselves only where the roll-up cannot answer exactly: hours
-- cut by an edge, outcomes that came at or after the period's end (found through the GiST index of
-- the visits open at an instant), repeat conversions (for the people converted) and the one or two
-- time bands the median falls in.
--
-- Maintenance: a contact has a handful of stage changes, so any change to its history (a stage
-- change written, moved, deleted, a merge, a new createdAt) recomputes that contact's visits from its
-- facts and writes only the rows that differ. Deriving them incrementally would need separate cases
-- for a late change landing between two others, deletes and merges, each a chance to drift. The
-- contact row is locked first so that two transactions changing one contact's history serialise and
-- the second recomputes from the first one's committed facts. Contact updates come with every
-- ingested event, so the Contact update trigger is a row trigger whose WHEN clause skips every update
-- that leaves the merge and the creation time alone, without calling a function.
--
-- The stage order is LIFECYCLE_STAGES (domain/lifecycle/stages.ts), repeated in funnel_stage_rank
-- (analytics-rollups.test.ts checks they agree). The migration runner splits scripts at every
-- semicolon, so PL/pgSQL bodies are written with \073 or generated with chr(59), as in 20261202150000.

-- CreateTable
CREATE TABLE "StageVisit" (
    "contactId" UUID NOT NULL,
    "changeId" BIGINT NOT NULL,
    "stage" TEXT NOT NULL,
    "fromStage" TEXT,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "nextAt" TIMESTAMP(3),
    "outcome" TEXT,
    "secondsToConvert" DOUBLE PRECISION,
    "convertBand" INTEGER,
    "previousConversionAt" TIMESTAMP(3),

    CONSTRAINT "StageVisit_pkey" PRIMARY KEY ("contactId","changeId")
);

-- CreateTable
CREATE TABLE "StageVisitHourly" (
    "hour" TIMESTAMP(3) NOT NULL,
    "stage" TEXT NOT NULL,
    "fromStage" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "visits" BIGINT NOT NULL,

    CONSTRAINT "StageVisitHourly_pkey" PRIMARY KEY ("hour","stage","fromStage","outcome")
);

-- CreateTable
CREATE TABLE "StageConversionDaily" (
    "day" TIMESTAMP(3) NOT NULL,
    "stage" TEXT NOT NULL,
    "band" INTEGER NOT NULL,
    "conversions" BIGINT NOT NULL,

    CONSTRAINT "StageConversionDaily_pkey" PRIMARY KEY ("day","stage","band")
);

CREATE FUNCTION funnel_execute(statement TEXT) RETURNS void LANGUAGE plpgsql AS E'BEGIN EXECUTE statement\073 END';

-- A stage's place in the funnel, 1-based, NULL for a name that is not a stage (as stageRankSql).
CREATE FUNCTION funnel_stage_rank(stage TEXT) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_position(ARRAY['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'evangelist'], stage)
$$;

-- The time band of a time to convert: how many of the thresholds 1 s, 2^(1/8) s, 2^(2/8) s ... (rounded
-- to whole seconds, up to 2^36 s) it reaches. Non-decreasing in the seconds, so the median is found
-- from the band counts and then the values of one or two bands. Exact comparisons (width_bucket), not
-- a logarithm, so equal seconds always fall in the same band.
SELECT funnel_execute(format(
  'CREATE FUNCTION funnel_time_band(seconds DOUBLE PRECISION) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
  format('SELECT width_bucket(seconds, %L::float8[])',
    (SELECT array_agg(DISTINCT round(2 ^ (i / 8.0))::float8 ORDER BY round(2 ^ (i / 8.0))::float8)
     FROM generate_series(0, 288) AS i))));

-- The visits of the contacts a filter selects, from their creation and stage changes. %1$s filters
-- "Contact" c for the creations, %2$s "StageChange" s for the changes (both 'true' for all).
CREATE FUNCTION funnel_stage_visits_sql(creations TEXT, changes TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    SELECT "contactId", "changeId", stage, "fromStage", "enteredAt", "nextAt", outcome,
      CASE WHEN outcome = 'converted' THEN extract(epoch FROM "nextAt" - "enteredAt")::float8 END AS "secondsToConvert",
      CASE WHEN outcome = 'converted' THEN funnel_time_band(extract(epoch FROM "nextAt" - "enteredAt")::float8) END AS "convertBand",
      CASE WHEN outcome = 'converted' THEN max("enteredAt") FILTER (WHERE outcome = 'converted') OVER (
        PARTITION BY "contactId", stage ORDER BY "enteredAt", "changeId" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
      END AS "previousConversionAt"
    FROM (
      SELECT "contactId", "changeId", stage, "fromStage", "enteredAt", lead("enteredAt") OVER w AS "nextAt",
        CASE WHEN lead(rank) OVER w > rank THEN 'converted' WHEN lead(rank) OVER w < rank THEN 'fell_back' END AS outcome
      FROM (
        SELECT c.id AS "contactId", 0::bigint AS "changeId", 'subscriber'::text AS stage, NULL::text AS "fromStage",
          c."createdAt" AS "enteredAt", funnel_stage_rank('subscriber') AS rank
        FROM "Contact" c WHERE c."mergedIntoId" IS NULL AND %1$s
        UNION ALL
        SELECT s."contactId", s.id, s."toStage", s."fromStage", s."occurredAt", funnel_stage_rank(s."toStage")
        FROM "StageChange" s JOIN "Contact" c ON c.id = s."contactId"
        WHERE c."mergedIntoId" IS NULL AND %2$s
      ) entries
      WINDOW w AS (PARTITION BY "contactId" ORDER BY "enteredAt", "changeId")
    ) visits
  $sql$, creations, changes)
$$;

-- Recomputes the visits of the given contacts and writes what differs: changed rows updated, new ones
-- inserted, vanished ones (a deleted change, a merged or deleted contact) deleted.
SELECT funnel_execute(format(
  'CREATE FUNCTION funnel_rebuild_stage_visits(contact_ids UUID[]) RETURNS void LANGUAGE plpgsql AS %L',
  format($body$BEGIN
    PERFORM FROM "Contact" WHERE id = ANY(contact_ids) ORDER BY id FOR NO KEY UPDATE%1$s
    WITH fresh AS MATERIALIZED (%2$s),
    written AS (
      INSERT INTO "StageVisit" AS v ("contactId", "changeId", stage, "fromStage", "enteredAt", "nextAt", outcome,
        "secondsToConvert", "convertBand", "previousConversionAt")
      SELECT "contactId", "changeId", stage, "fromStage", "enteredAt", "nextAt", outcome, "secondsToConvert",
        "convertBand", "previousConversionAt"
      FROM fresh ORDER BY "contactId", "changeId"
      ON CONFLICT ("contactId", "changeId") DO UPDATE SET stage = excluded.stage, "fromStage" = excluded."fromStage",
        "enteredAt" = excluded."enteredAt", "nextAt" = excluded."nextAt", outcome = excluded.outcome,
        "secondsToConvert" = excluded."secondsToConvert", "convertBand" = excluded."convertBand",
        "previousConversionAt" = excluded."previousConversionAt"
      WHERE (v.stage, v."fromStage", v."enteredAt", v."nextAt", v.outcome, v."secondsToConvert", v."convertBand",
          v."previousConversionAt")
        IS DISTINCT FROM (excluded.stage, excluded."fromStage", excluded."enteredAt", excluded."nextAt", excluded.outcome,
          excluded."secondsToConvert", excluded."convertBand", excluded."previousConversionAt")
    )
    DELETE FROM "StageVisit" v WHERE v."contactId" = ANY(contact_ids)
      AND NOT EXISTS (SELECT FROM fresh f WHERE f."contactId" = v."contactId" AND f."changeId" = v."changeId")%1$s
  END$body$, chr(59),
    funnel_stage_visits_sql('c.id = ANY(contact_ids)', 's."contactId" = ANY(contact_ids)'))));

-- The roll-ups of changed visits (%s: the rows with a delta column, +1 new, -1 old): visits per hour
-- entered, previous stage and outcome, and conversions per day entered and time band.
CREATE FUNCTION funnel_visit_rollups_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    WITH hourly AS (
      INSERT INTO "StageVisitHourly" (hour, stage, "fromStage", outcome, visits)
      SELECT date_trunc('hour', c."enteredAt"), c.stage, coalesce(c."fromStage", ''), coalesce(c.outcome, ''), sum(c.delta)
      FROM %1$s c GROUP BY 1, 2, 3, 4 HAVING sum(c.delta) <> 0 ORDER BY 1, 2, 3, 4
      ON CONFLICT (hour, stage, "fromStage", outcome) DO UPDATE SET visits = "StageVisitHourly".visits + excluded.visits
    )
    INSERT INTO "StageConversionDaily" (day, stage, band, conversions)
    SELECT date_trunc('day', c."enteredAt"), c.stage, c."convertBand", sum(c.delta)
    FROM %1$s c WHERE c.outcome = 'converted' GROUP BY 1, 2, 3 HAVING sum(c.delta) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (day, stage, band) DO UPDATE SET conversions = "StageConversionDaily".conversions + excluded.conversions
  $sql$, changed)
$$;

-- One branch per operation, static SQL (plans cached per connection), as analytics_trigger_function_sql did.
SELECT funnel_execute(format('CREATE FUNCTION funnel_stage_visits_statement() RETURNS trigger LANGUAGE plpgsql AS %L',
  format('BEGIN IF TG_OP = %L THEN %s%s ELSIF TG_OP = %L THEN %s%s ELSE %s%s END IF%s RETURN NULL%s END',
    'INSERT', funnel_visit_rollups_sql(analytics_changed_rows('INSERT')), chr(59),
    'DELETE', funnel_visit_rollups_sql(analytics_changed_rows('DELETE')), chr(59),
    funnel_visit_rollups_sql(analytics_changed_rows('UPDATE')), chr(59), chr(59), chr(59))));

-- Stage changes: the contacts whose history a statement changed (an UPDATE that leaves contact, stages
-- and time alone, such as an erasure rewriting the reason, changes none).
CREATE FUNCTION funnel_stage_changes_statement() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''INSERT'' THEN
    PERFORM funnel_rebuild_stage_visits(ARRAY(SELECT DISTINCT "contactId" FROM new_rows))\073
  ELSIF TG_OP = ''DELETE'' THEN
    PERFORM funnel_rebuild_stage_visits(ARRAY(SELECT DISTINCT "contactId" FROM old_rows))\073
  ELSE
    PERFORM funnel_rebuild_stage_visits(ARRAY(SELECT DISTINCT "contactId" FROM (
      (SELECT id, "contactId", "fromStage", "toStage", "occurredAt" FROM old_rows
        EXCEPT ALL SELECT id, "contactId", "fromStage", "toStage", "occurredAt" FROM new_rows)
      UNION ALL
      (SELECT id, "contactId", "fromStage", "toStage", "occurredAt" FROM new_rows
        EXCEPT ALL SELECT id, "contactId", "fromStage", "toStage", "occurredAt" FROM old_rows)) changed))\073
  END IF\073
  RETURN NULL\073
END';

-- Contacts: a new one has no stage change yet (they reference it), so its creation is its one visit.
CREATE FUNCTION funnel_contacts_statement() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''INSERT'' THEN
    INSERT INTO "StageVisit" ("contactId", "changeId", stage, "enteredAt")
    SELECT id, 0, ''subscriber'', "createdAt" FROM new_rows WHERE "mergedIntoId" IS NULL ORDER BY id\073
  ELSE
    DELETE FROM "StageVisit" WHERE "contactId" IN (SELECT id FROM old_rows)\073
  END IF\073
  RETURN NULL\073
END';

CREATE FUNCTION funnel_contact_row() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  PERFORM funnel_rebuild_stage_visits(ARRAY[NEW.id])\073
  RETURN NULL\073
END';

CREATE TRIGGER funnel_stage_visits_insert AFTER INSERT ON "StageVisit"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_visits_statement();
CREATE TRIGGER funnel_stage_visits_update AFTER UPDATE ON "StageVisit"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_visits_statement();
CREATE TRIGGER funnel_stage_visits_delete AFTER DELETE ON "StageVisit"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_visits_statement();

CREATE TRIGGER funnel_stage_changes_insert AFTER INSERT ON "StageChange"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_changes_statement();
CREATE TRIGGER funnel_stage_changes_update AFTER UPDATE ON "StageChange"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_changes_statement();
CREATE TRIGGER funnel_stage_changes_delete AFTER DELETE ON "StageChange"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_changes_statement();

CREATE TRIGGER funnel_contacts_insert AFTER INSERT ON "Contact"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_contacts_statement();
CREATE TRIGGER funnel_contacts_delete AFTER DELETE ON "Contact"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION funnel_contacts_statement();
CREATE TRIGGER funnel_contact_update AFTER UPDATE ON "Contact" FOR EACH ROW
  WHEN (OLD."mergedIntoId" IS DISTINCT FROM NEW."mergedIntoId" OR OLD."createdAt" IS DISTINCT FROM NEW."createdAt")
  EXECUTE FUNCTION funnel_contact_row();

-- Backfill from the facts already stored, in one statement (its trigger fills the roll-ups).
SELECT funnel_execute(format('INSERT INTO "StageVisit" ("contactId", "changeId", stage, "fromStage", "enteredAt",
  "nextAt", outcome, "secondsToConvert", "convertBand", "previousConversionAt") %s', funnel_stage_visits_sql('true', 'true')));

-- CreateIndex
CREATE INDEX "StageVisit_enteredAt_idx" ON "StageVisit"("enteredAt");

-- The visits open at an instant that ended later with an outcome: range (enteredAt, nextAt] contains it.
-- With what the funnel counts of them, for an index-only scan (the end of a past period can have many).
CREATE INDEX "StageVisit_open_outcome_idx" ON "StageVisit" USING gist (tsrange("enteredAt", "nextAt", '(]'))
  INCLUDE ("enteredAt", "nextAt", stage, "fromStage", outcome, "convertBand") WHERE outcome IS NOT NULL;

-- The converted visits of a stage and time band entered in a period, with their seconds (the median).
CREATE INDEX "StageVisit_conversion_band_idx" ON "StageVisit" (stage, "convertBand", "enteredAt")
  INCLUDE ("secondsToConvert", "nextAt") WHERE outcome = 'converted';

-- Repeat conversions: a converted visit after an earlier converted visit from the same stage.
CREATE INDEX "StageVisit_repeat_conversion_idx" ON "StageVisit" ("enteredAt")
  INCLUDE (stage, "nextAt", "previousConversionAt") WHERE "previousConversionAt" IS NOT NULL;

ANALYZE "StageVisit";
ANALYZE "StageVisitHourly";
ANALYZE "StageConversionDaily";
DROP FUNCTION funnel_execute(TEXT);
