-- The email each unsubscribe is credited to, for the program table's "unsubscribed" column (issue #11,
-- activities/analytics/sequence-metrics.ts reads it, BENCHMARKS.md says why): the last sequence email
-- the contact was sent at or before unsubscribing (by sentAt, then id), with its run's sequence and
-- version. A period's unsubscribes are then one index-only range scan, where each unsubscribed contact
-- cost three random reads (the contact, its last sent email, that email's run).
--
-- A contact's credit is recomputed from the facts whenever one of them can change it: the contact
-- written or its unsubscribedAt changed, one of its emails written, marked sent or unsent, moved or
-- deleted while it is unsubscribed (opens and clicks leave the credit alone and are skipped), a run
-- written after its emails. A deleted contact or run takes its credit with it (foreign keys). The
-- triggers take no lock: a send marked sent by another transaction in the same instant as the
-- unsubscribe can be missed, leaving the credit with the email before it, which is the one the contact
-- had seen.
--
-- The migration runner splits scripts at every semicolon: the statement text is a one-statement SQL
-- function and the PL/pgSQL bodies are generated with chr(59) or written with \073.

-- CreateTable
CREATE TABLE "UnsubscribeCredit" (
    "contactId" UUID NOT NULL,
    "unsubscribedAt" TIMESTAMP(3) NOT NULL,
    "enrollmentId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "sequenceKey" TEXT NOT NULL,
    "sequenceVersion" INTEGER NOT NULL,

    CONSTRAINT "UnsubscribeCredit_pkey" PRIMARY KEY ("contactId")
);

-- CreateIndex
CREATE INDEX "UnsubscribeCredit_period_idx" ON "UnsubscribeCredit"("unsubscribedAt", "sequenceKey", "sequenceVersion", "stepId");

-- CreateIndex
CREATE INDEX "UnsubscribeCredit_enrollmentId_idx" ON "UnsubscribeCredit"("enrollmentId");

-- AddForeignKey
ALTER TABLE "UnsubscribeCredit" ADD CONSTRAINT "UnsubscribeCredit_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UnsubscribeCredit" ADD CONSTRAINT "UnsubscribeCredit_enrollmentId_fkey" FOREIGN KEY ("enrollmentId") REFERENCES "Enrollment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The credits of the contacts `contacts` (a FROM item with a uuid column id) made equal to the facts:
-- the rule is the live query's (sequence-metrics.ts), word for word.
CREATE FUNCTION unsubscribe_credits_sql(contacts TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    WITH fresh AS (
      SELECT c.id AS "contactId", c."unsubscribedAt", last."enrollmentId", last."stepId", e."sequenceKey", e."sequenceVersion"
      FROM "Contact" c
      CROSS JOIN LATERAL (
        SELECT l."enrollmentId", l."stepId" FROM "SendLedger" l
        WHERE l."contactId" = c.id AND l.status = 'sent' AND l."sentAt" <= c."unsubscribedAt"
        ORDER BY l."sentAt" DESC, l.id DESC LIMIT 1
      ) last
      JOIN "Enrollment" e ON e.id = last."enrollmentId"
      WHERE c.id IN (SELECT id FROM %1$s credited) AND last."stepId" IS NOT NULL
    ),
    gone AS (
      DELETE FROM "UnsubscribeCredit" u WHERE u."contactId" IN (SELECT id FROM %1$s credited)
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f."contactId" = u."contactId")
    )
    INSERT INTO "UnsubscribeCredit" ("contactId", "unsubscribedAt", "enrollmentId", "stepId", "sequenceKey", "sequenceVersion")
    SELECT * FROM fresh ORDER BY 1
    ON CONFLICT ("contactId") DO UPDATE SET "unsubscribedAt" = excluded."unsubscribedAt",
      "enrollmentId" = excluded."enrollmentId", "stepId" = excluded."stepId",
      "sequenceKey" = excluded."sequenceKey", "sequenceVersion" = excluded."sequenceVersion"
    WHERE ("UnsubscribeCredit"."unsubscribedAt", "UnsubscribeCredit"."enrollmentId", "UnsubscribeCredit"."stepId")
      IS DISTINCT FROM (excluded."unsubscribedAt", excluded."enrollmentId", excluded."stepId")
  $sql$, contacts)
$$;

-- The unsubscribed contacts among `rows` (a FROM item with a contactId column and a `counts` condition).
CREATE FUNCTION unsubscribe_credit_contacts(rows TEXT, counts TEXT DEFAULT 'true') RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('(SELECT DISTINCT c.id FROM %s t JOIN "Contact" c ON c.id = t."contactId" WHERE c."unsubscribedAt" IS NOT NULL AND (%s))',
    rows, counts)
$$;

CREATE FUNCTION unsubscribe_credits_execute(statement TEXT) RETURNS void LANGUAGE plpgsql AS E'BEGIN EXECUTE statement\073 END';

-- A trigger function running `statement` (static SQL, planned once per session).
CREATE FUNCTION unsubscribe_credits_function_sql(name TEXT, statement TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('CREATE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS %L', name,
    format('BEGIN %s%s RETURN NULL%s END', statement, chr(59), chr(59)))
$$;

SELECT unsubscribe_credits_execute(unsubscribe_credits_function_sql('unsubscribe_credits_contacts_insert',
  unsubscribe_credits_sql('(SELECT id FROM new_rows WHERE "unsubscribedAt" IS NOT NULL)')));
SELECT unsubscribe_credits_execute(unsubscribe_credits_function_sql('unsubscribe_credits_contact_update',
  unsubscribe_credits_sql('(SELECT NEW.id AS id)')));
-- An email counts when it is, or was, sent at or before its contact's unsubscribe, and an update only when
-- it changed what the credit depends on.
SELECT unsubscribe_credits_execute(unsubscribe_credits_function_sql('unsubscribe_credits_emails_insert',
  unsubscribe_credits_sql(unsubscribe_credit_contacts('new_rows', 't.status = ''sent'' AND t."sentAt" <= c."unsubscribedAt"'))));
SELECT unsubscribe_credits_execute(unsubscribe_credits_function_sql('unsubscribe_credits_emails_delete',
  unsubscribe_credits_sql(unsubscribe_credit_contacts('old_rows', 't.status = ''sent'' AND t."sentAt" <= c."unsubscribedAt"'))));
SELECT unsubscribe_credits_execute(unsubscribe_credits_function_sql('unsubscribe_credits_emails_update',
  unsubscribe_credits_sql(unsubscribe_credit_contacts(
    '(SELECT v.* FROM new_rows n JOIN old_rows o USING (id)
      CROSS JOIN LATERAL (VALUES (n."contactId", n.status, n."sentAt"), (o."contactId", o.status, o."sentAt"))
        v("contactId", status, "sentAt")
      WHERE (n.status, n."sentAt", n."contactId", n."enrollmentId", n."stepId")
        IS DISTINCT FROM (o.status, o."sentAt", o."contactId", o."enrollmentId", o."stepId"))',
    't.status = ''sent'' AND t."sentAt" <= c."unsubscribedAt"'))));
SELECT unsubscribe_credits_execute(unsubscribe_credits_function_sql('unsubscribe_credits_runs_insert',
  unsubscribe_credits_sql(unsubscribe_credit_contacts('new_rows'))));

CREATE TRIGGER unsubscribe_credits_contacts_insert AFTER INSERT ON "Contact"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unsubscribe_credits_contacts_insert();
CREATE TRIGGER unsubscribe_credits_contact_update AFTER UPDATE ON "Contact" FOR EACH ROW
  WHEN (OLD."unsubscribedAt" IS DISTINCT FROM NEW."unsubscribedAt") EXECUTE FUNCTION unsubscribe_credits_contact_update();
CREATE TRIGGER unsubscribe_credits_emails_insert AFTER INSERT ON "SendLedger"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unsubscribe_credits_emails_insert();
CREATE TRIGGER unsubscribe_credits_emails_update AFTER UPDATE ON "SendLedger"
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION unsubscribe_credits_emails_update();
CREATE TRIGGER unsubscribe_credits_emails_delete AFTER DELETE ON "SendLedger"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION unsubscribe_credits_emails_delete();
CREATE TRIGGER unsubscribe_credits_runs_insert AFTER INSERT ON "Enrollment"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION unsubscribe_credits_runs_insert();

-- Backfill from the facts already stored.
SELECT unsubscribe_credits_execute(unsubscribe_credits_sql('(SELECT id FROM "Contact" WHERE "unsubscribedAt" IS NOT NULL)'));
DROP FUNCTION unsubscribe_credits_execute(TEXT);
DROP FUNCTION unsubscribe_credits_function_sql(TEXT, TEXT);
DROP FUNCTION unsubscribe_credit_contacts(TEXT, TEXT);
DROP FUNCTION unsubscribe_credits_sql(TEXT);
