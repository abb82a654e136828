-- Roll-ups for the scoring metrics (activities/analytics/scoring-metrics.ts reads them, BENCHMARKS.md
-- says why): what a contact had earned at each of its MQL entries, and those per UTC day.
--
-- MqlEntry has one row per StageChange to 'mql', with the same contact's previous MQL entry
-- ("previousEnteredAt", in (occurredAt, id) order): an entry whose previous one is in the period is not
-- the contact's first there and does not count. MqlEntryPoints has, per entry and rule, the points and
-- contributions (ScoreContribution rows) earned up to the entry (occurredAt <= its time), kept exact by
-- deltas: a late contribution adds to the entries after it, one moved by a merge leaves the ghost's and
-- joins the contact's, a deleted one (a contact deleted, its rows cascading) subtracts. The daily
-- tables sum those two per UTC day of the entry, from their own statement triggers. A snapshot counts
-- as a contact for its rule while its contributions are above 0.
--
-- An entry's snapshot reads the contributions and a contribution's delta reads the entries, so two
-- transactions writing them for the same contact must not run side by side (each would miss the
-- other's uncommitted row): the triggers lock the contacts' rows first, as the app's writers already do
-- (ingestion, stage moves), which serialises the few that do not (a program step adding points).
-- The migration runner splits scripts at every semicolon: statements are SQL functions of one
-- statement, and PL/pgSQL bodies are generated with chr(59) or written with \073.

-- CreateTable
CREATE TABLE "MqlEntry" (
    "stageChangeId" BIGINT NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "previousEnteredAt" TIMESTAMP(3),

    CONSTRAINT "MqlEntry_pkey" PRIMARY KEY ("stageChangeId")
);

-- CreateTable
CREATE TABLE "MqlEntryPoints" (
    "stageChangeId" BIGINT NOT NULL,
    "rule" TEXT NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "points" DOUBLE PRECISION NOT NULL,
    "contributions" BIGINT NOT NULL,

    CONSTRAINT "MqlEntryPoints_pkey" PRIMARY KEY ("stageChangeId","rule")
);

-- CreateTable
CREATE TABLE "MqlEntryDaily" (
    "day" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "entries" BIGINT NOT NULL,

    CONSTRAINT "MqlEntryDaily_pkey" PRIMARY KEY ("day","source")
);

-- CreateTable
CREATE TABLE "MqlPointsDaily" (
    "day" TIMESTAMP(3) NOT NULL,
    "rule" TEXT NOT NULL,
    "points" DOUBLE PRECISION NOT NULL,
    "contributions" BIGINT NOT NULL,
    "entries" BIGINT NOT NULL,

    CONSTRAINT "MqlPointsDaily_pkey" PRIMARY KEY ("day","rule")
);

-- CreateIndex
CREATE INDEX "MqlEntry_enteredAt_idx" ON "MqlEntry"("enteredAt");

-- CreateIndex
CREATE INDEX "MqlEntry_previousEnteredAt_idx" ON "MqlEntry"("previousEnteredAt");

-- CreateIndex
CREATE INDEX "MqlEntryPoints_enteredAt_idx" ON "MqlEntryPoints"("enteredAt");

-- The statements, as text the trigger functions below are generated from (only a trigger function's
-- own statements see its transition tables). %s is a FROM item: StageChange rows to 'mql' (entries),
-- ScoreContribution rows with a delta column (+1 new, -1 old), or a set of contact ids.

-- Every probe of a large table below is a LATERAL subquery the planner cannot turn into a join: a
-- trigger function's plan is made once per session, for the size of the first statement it served,
-- and must not become a scan of the whole table for the one-row statements after it.

-- The contacts' rows, in id order (the order ingestion locks them in).
CREATE FUNCTION score_drivers_lock_sql(contacts TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    PERFORM 1 FROM (SELECT DISTINCT t."contactId" AS id FROM (%s) t ORDER BY 1) k
    CROSS JOIN LATERAL (SELECT 1 FROM "Contact" c WHERE c.id = k.id FOR NO KEY UPDATE) locked
  $sql$, contacts)
$$;

CREATE FUNCTION score_drivers_entries_added_sql(entries TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "MqlEntry" ("stageChangeId", "enteredAt", source)
    SELECT e.id, e."occurredAt", e.source FROM %s e ORDER BY 1
  $sql$, entries)
$$;

-- What each new entry's contact had earned up to it, per rule.
CREATE FUNCTION score_drivers_snapshots_sql(entries TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "MqlEntryPoints" ("stageChangeId", rule, "enteredAt", points, contributions)
    SELECT e.id, p.rule, e."occurredAt", p.points, p.contributions FROM %s e
    CROSS JOIN LATERAL (
      SELECT rule, sum(points) AS points, count(*) AS contributions FROM "ScoreContribution"
      WHERE "contactId" = e."contactId" AND "occurredAt" <= e."occurredAt" GROUP BY rule
    ) p
    ORDER BY 1, 2
  $sql$, entries)
$$;

CREATE FUNCTION score_drivers_entries_removed_sql(target TEXT, entries TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('DELETE FROM %I WHERE "stageChangeId" IN (SELECT e.id FROM %s e)', target, entries)
$$;

-- Each entry's previous one, for every entry of these contacts whose previous one changed.
CREATE FUNCTION score_drivers_previous_sql(contacts TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    UPDATE "MqlEntry" m SET "previousEnteredAt" = s.previous
    FROM (
      SELECT s.id, lag(s."occurredAt") OVER (PARTITION BY k.id ORDER BY s."occurredAt", s.id) AS previous
      FROM (SELECT DISTINCT t."contactId" AS id FROM (%s) t) k
      CROSS JOIN LATERAL (
        SELECT id, "occurredAt" FROM "StageChange" WHERE "contactId" = k.id AND "toStage" = 'mql' OFFSET 0
      ) s
    ) s
    WHERE m."stageChangeId" = s.id AND m."previousEnteredAt" IS DISTINCT FROM s.previous
  $sql$, contacts)
$$;

-- Changed contributions into the snapshots of the same contact's entries at or after them. A snapshot
-- whose contributions fall to 0 stays, counted as no contact (the daily tables count contributions > 0).
CREATE FUNCTION score_drivers_points_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "MqlEntryPoints" ("stageChangeId", rule, "enteredAt", points, contributions)
    SELECT s.id, c.rule, s."occurredAt", sum(c.delta * c.points), sum(c.delta) FROM %s c
    CROSS JOIN LATERAL (
      SELECT id, "occurredAt" FROM "StageChange"
      WHERE "contactId" = c."contactId" AND "occurredAt" >= c."occurredAt" AND "toStage" = 'mql' OFFSET 0
    ) s
    GROUP BY 1, 2, 3 HAVING sum(c.delta) <> 0 OR sum(c.delta * c.points) <> 0 ORDER BY 1, 2
    ON CONFLICT ("stageChangeId", rule) DO UPDATE SET points = "MqlEntryPoints".points + excluded.points,
      contributions = "MqlEntryPoints".contributions + excluded.contributions
  $sql$, changed)
$$;

CREATE FUNCTION score_drivers_entries_daily_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "MqlEntryDaily" (day, source, entries)
    SELECT date_trunc('day', c."enteredAt"), c.source, sum(c.delta) FROM %s c
    GROUP BY 1, 2 HAVING sum(c.delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (day, source) DO UPDATE SET entries = "MqlEntryDaily".entries + excluded.entries
  $sql$, changed)
$$;

CREATE FUNCTION score_drivers_points_daily_sql(changed TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "MqlPointsDaily" (day, rule, points, contributions, entries)
    SELECT date_trunc('day', c."enteredAt"), c.rule, sum(c.delta * c.points), sum(c.delta * c.contributions),
      sum(c.delta * (c.contributions > 0)::int)
    FROM %s c GROUP BY 1, 2 HAVING sum(c.delta * c.contributions) <> 0 OR sum(c.delta * c.points) <> 0 ORDER BY 1, 2
    ON CONFLICT (day, rule) DO UPDATE SET points = "MqlPointsDaily".points + excluded.points,
      contributions = "MqlPointsDaily".contributions + excluded.contributions,
      entries = "MqlPointsDaily".entries + excluded.entries
  $sql$, changed)
$$;

-- The trigger functions, generated as static SQL (PL/pgSQL caches a static statement's plan), a branch
-- per operation, each a list of statements.
CREATE FUNCTION score_drivers_execute(statement TEXT) RETURNS void LANGUAGE plpgsql AS E'BEGIN EXECUTE statement\073 END';

CREATE FUNCTION score_drivers_trigger_function_sql(name TEXT, on_insert TEXT[], on_update TEXT[], on_delete TEXT[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('CREATE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS %L', name,
    format('BEGIN IF TG_OP = %L THEN %s ELSIF TG_OP = %L THEN %s ELSE %s END IF%s RETURN NULL%s END',
      'INSERT', array_to_string(on_insert || 'NULL'::text, chr(59)) || chr(59),
      'DELETE', array_to_string(on_delete || 'NULL'::text, chr(59)) || chr(59),
      array_to_string(on_update || 'NULL'::text, chr(59)) || chr(59), chr(59), chr(59)))
$$;

-- Stage changes: entries in and out. An update matters only when it changes what an entry is (the
-- erasure rewrites reasons): those rows go out as they were and come in as they are.
SELECT score_drivers_execute(score_drivers_trigger_function_sql('score_drivers_stage_changes_statement',
  ARRAY[
    score_drivers_lock_sql('SELECT "contactId" FROM new_rows WHERE "toStage" = ''mql'''),
    score_drivers_entries_added_sql('(SELECT * FROM new_rows WHERE "toStage" = ''mql'')'),
    score_drivers_snapshots_sql('(SELECT * FROM new_rows WHERE "toStage" = ''mql'')'),
    score_drivers_previous_sql('SELECT "contactId" FROM new_rows WHERE "toStage" = ''mql''')],
  ARRAY[
    score_drivers_lock_sql($$SELECT "contactId" FROM (SELECT "contactId" FROM old_rows WHERE "toStage" = 'mql' UNION ALL SELECT "contactId" FROM new_rows WHERE "toStage" = 'mql') t$$),
    score_drivers_entries_removed_sql('MqlEntryPoints', $$(SELECT o.* FROM old_rows o JOIN new_rows n USING (id) WHERE o."toStage" = 'mql' AND (o."contactId", o."toStage", o.source, o."occurredAt") IS DISTINCT FROM (n."contactId", n."toStage", n.source, n."occurredAt"))$$),
    score_drivers_entries_removed_sql('MqlEntry', $$(SELECT o.* FROM old_rows o JOIN new_rows n USING (id) WHERE o."toStage" = 'mql' AND (o."contactId", o."toStage", o.source, o."occurredAt") IS DISTINCT FROM (n."contactId", n."toStage", n.source, n."occurredAt"))$$),
    score_drivers_entries_added_sql($$(SELECT n.* FROM new_rows n JOIN old_rows o USING (id) WHERE n."toStage" = 'mql' AND (o."contactId", o."toStage", o.source, o."occurredAt") IS DISTINCT FROM (n."contactId", n."toStage", n.source, n."occurredAt"))$$),
    score_drivers_snapshots_sql($$(SELECT n.* FROM new_rows n JOIN old_rows o USING (id) WHERE n."toStage" = 'mql' AND (o."contactId", o."toStage", o.source, o."occurredAt") IS DISTINCT FROM (n."contactId", n."toStage", n.source, n."occurredAt"))$$),
    score_drivers_previous_sql($$SELECT "contactId" FROM old_rows WHERE "toStage" = 'mql' UNION ALL SELECT "contactId" FROM new_rows WHERE "toStage" = 'mql'$$)],
  ARRAY[
    score_drivers_lock_sql('SELECT "contactId" FROM old_rows WHERE "toStage" = ''mql'''),
    score_drivers_entries_removed_sql('MqlEntryPoints', '(SELECT * FROM old_rows WHERE "toStage" = ''mql'')'),
    score_drivers_entries_removed_sql('MqlEntry', '(SELECT * FROM old_rows WHERE "toStage" = ''mql'')'),
    score_drivers_previous_sql('SELECT "contactId" FROM old_rows WHERE "toStage" = ''mql''')]));

-- Score contributions: deltas into the snapshots (analytics_changed_rows is the analytics roll-ups' own).
SELECT score_drivers_execute(score_drivers_trigger_function_sql('score_drivers_contributions_statement',
  ARRAY[
    score_drivers_lock_sql('SELECT "contactId" FROM new_rows'),
    score_drivers_points_sql(analytics_changed_rows('INSERT'))],
  ARRAY[
    score_drivers_lock_sql('SELECT "contactId" FROM old_rows UNION ALL SELECT "contactId" FROM new_rows'),
    score_drivers_points_sql(analytics_changed_rows('UPDATE'))],
  ARRAY[
    score_drivers_lock_sql('SELECT "contactId" FROM old_rows'),
    score_drivers_points_sql(analytics_changed_rows('DELETE'))]));

-- The snapshots into the daily tables. Only these triggers write MqlEntry: its one update, of
-- "previousEnteredAt", leaves the days alone.
SELECT score_drivers_execute(score_drivers_trigger_function_sql('score_drivers_entries_statement',
  ARRAY[score_drivers_entries_daily_sql(analytics_changed_rows('INSERT'))], ARRAY[]::text[],
  ARRAY[score_drivers_entries_daily_sql(analytics_changed_rows('DELETE'))]));

SELECT score_drivers_execute(score_drivers_trigger_function_sql('score_drivers_entry_points_statement',
  ARRAY[score_drivers_points_daily_sql(analytics_changed_rows('INSERT'))],
  ARRAY[score_drivers_points_daily_sql(analytics_changed_rows('UPDATE'))],
  ARRAY[score_drivers_points_daily_sql(analytics_changed_rows('DELETE'))]));

CREATE TRIGGER score_drivers_stage_changes_insert AFTER INSERT ON "StageChange"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_stage_changes_statement();
CREATE TRIGGER score_drivers_stage_changes_update AFTER UPDATE ON "StageChange"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_stage_changes_statement();
CREATE TRIGGER score_drivers_stage_changes_delete AFTER DELETE ON "StageChange"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_stage_changes_statement();

CREATE TRIGGER score_drivers_contributions_insert AFTER INSERT ON "ScoreContribution"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_contributions_statement();
CREATE TRIGGER score_drivers_contributions_update AFTER UPDATE ON "ScoreContribution"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_contributions_statement();
CREATE TRIGGER score_drivers_contributions_delete AFTER DELETE ON "ScoreContribution"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_contributions_statement();

CREATE TRIGGER score_drivers_entries_insert AFTER INSERT ON "MqlEntry"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_entries_statement();
CREATE TRIGGER score_drivers_entries_delete AFTER DELETE ON "MqlEntry"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_entries_statement();

CREATE TRIGGER score_drivers_entry_points_insert AFTER INSERT ON "MqlEntryPoints"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_entry_points_statement();
CREATE TRIGGER score_drivers_entry_points_update AFTER UPDATE ON "MqlEntryPoints"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_entry_points_statement();
CREATE TRIGGER score_drivers_entry_points_delete AFTER DELETE ON "MqlEntryPoints"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION score_drivers_entry_points_statement();

-- Backfill from the facts already stored, as if each MQL entry had just been written (the daily tables
-- fill from the snapshot tables' triggers).
SELECT score_drivers_execute(score_drivers_entries_added_sql('(SELECT * FROM "StageChange" WHERE "toStage" = ''mql'')'));
SELECT score_drivers_execute(score_drivers_snapshots_sql('(SELECT * FROM "StageChange" WHERE "toStage" = ''mql'')'));
SELECT score_drivers_execute(score_drivers_previous_sql('SELECT "contactId" FROM "StageChange" WHERE "toStage" = ''mql'''));
-- Statistics now, so the first reads are planned as ranges of the new indexes.
ANALYZE "MqlEntry", "MqlEntryPoints", "MqlEntryDaily", "MqlPointsDaily";
DROP FUNCTION score_drivers_execute(TEXT);
DROP FUNCTION score_drivers_trigger_function_sql(TEXT, TEXT[], TEXT[], TEXT[]);
