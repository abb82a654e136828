-- The first deferral of each run's email step, for the program table's "deferred" column (issue #11,
-- activities/analytics/sequence-metrics.ts reads it, BENCHMARKS.md says why). A step a run asked to send
-- again and again after deferrals is counted once, in the period its first deferral came in: counts of
-- consecutive periods then add up, and a period's count is one index-only range scan instead of a
-- distinct count over the period's decisions joined to their runs.
--
-- SendDecision rows are only ever inserted (activities/sending/send-decision-activity.ts), and deleted
-- with their contact, whose runs go with it: the insert trigger keeps the earliest deferral, and the
-- foreign key to the run removes the row with it. A decision of a run that has no Enrollment row is not
-- counted, as the program table never counted it.

-- CreateTable
CREATE TABLE "StepDeferral" (
    "enrollmentId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "sequenceKey" TEXT NOT NULL,
    "sequenceVersion" INTEGER NOT NULL,
    "firstDeferredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StepDeferral_pkey" PRIMARY KEY ("enrollmentId","stepId")
);

-- CreateIndex
CREATE INDEX "StepDeferral_period_idx" ON "StepDeferral"("firstDeferredAt", "sequenceKey", "sequenceVersion", "stepId");

-- AddForeignKey
ALTER TABLE "StepDeferral" ADD CONSTRAINT "StepDeferral_enrollmentId_fkey" FOREIGN KEY ("enrollmentId") REFERENCES "Enrollment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The decisions in `decisions` (SendDecision rows) folded in: the earliest deferral per run and step wins.
CREATE FUNCTION step_deferrals_sql(decisions TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "StepDeferral" ("enrollmentId", "stepId", "sequenceKey", "sequenceVersion", "firstDeferredAt")
    SELECT d."enrollmentId", d."stepId", e."sequenceKey", e."sequenceVersion", min(d."decidedAt")
    FROM %s d JOIN "Enrollment" e ON e.id = d."enrollmentId"
    WHERE d.decision = 'defer'
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2
    ON CONFLICT ("enrollmentId", "stepId") DO UPDATE SET "firstDeferredAt" = excluded."firstDeferredAt"
    WHERE excluded."firstDeferredAt" < "StepDeferral"."firstDeferredAt"
  $sql$, decisions)
$$;

CREATE FUNCTION step_deferrals_execute(statement TEXT) RETURNS void LANGUAGE plpgsql AS E'BEGIN EXECUTE statement\073 END';

-- Static SQL in the trigger function, so PL/pgSQL plans it once per session.
SELECT step_deferrals_execute(format('CREATE FUNCTION step_deferrals_insert() RETURNS trigger LANGUAGE plpgsql AS %L',
  format('BEGIN %s%s RETURN NULL%s END', step_deferrals_sql('new_rows'), chr(59), chr(59))));

CREATE TRIGGER step_deferrals_insert AFTER INSERT ON "SendDecision"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION step_deferrals_insert();

-- Backfill from the decisions already stored.
SELECT step_deferrals_execute(step_deferrals_sql('"SendDecision"'));
DROP FUNCTION step_deferrals_execute(TEXT);
