-- Order facts for the customers report (issue #11, activities/analytics/customer-metrics.ts reads them,
-- BENCHMARKS.md says why): one row per order with what the report asks of it, decided when the order is
-- written instead of per order per request: the contact's current segment, the times of the contact's
-- previous and next orders (ordered by time, then id, NULL for its first or last order) and the program
-- the order is attributed to (domain/analytics/customer-report.ts: 'cart-recovery' first, then
-- 'post-purchase' within ATTRIBUTION_WINDOW_DAYS = 30, the names and the window written out below).
--
-- A period's orders, revenue, first orders, buyers (orders whose previous order is before the period)
-- and repeat buyers (of those, the ones with an earlier order or a next one before the period's end)
-- are then one index-only range scan, exact for any period: nothing is cut at hours or days.
--
-- What a row depends on changes rarely and touches one contact, so the triggers recompute the facts of
-- every order of the contacts a change touches (a contact has few orders) rather than keeping deltas:
-- an order written, moved (merge) or deleted, a segment change, a program run (cart recovery, post
-- purchase) written, changed or deleted, a program email sent, unsent or deleted. Recomputing is not
-- commutative like a tally, so each recompute first locks the contacts' rows (FOR NO KEY UPDATE, in id
-- order): two writers of the same contact's facts queue, and the second one's statements see what the
-- first committed. It is the lock ingestion, the segment sweep, merges and erasure already hold on the
-- contacts they change, so those writers wait for nothing new, and a row lock takes no lock-table
-- entry however many contacts a batch touches. A segment change holds it by updating the row. A
-- program email marked sent waits for a batch writing its contact to commit (the one lock taken in
-- another order than the app's: an erasure holds the contact, then updates its emails, so an erasure
-- and a program send of the same contact in the same instant can deadlock, and PostgreSQL aborts one).
-- Every other write (most ledger updates are opens and clicks, most runs belong to other programs,
-- most contact updates leave the segment alone) is skipped by the triggers' WHEN clauses without
-- calling any function.
--
-- The migration runner splits scripts at every semicolon: the statement text is a one-statement SQL
-- function and the PL/pgSQL bodies are written with \073 or generated with chr(59).

-- CreateTable
CREATE TABLE "OrderFact" (
    "orderId" TEXT NOT NULL,
    "contactId" UUID NOT NULL,
    "placedAt" TIMESTAMP(3) NOT NULL,
    "total" DECIMAL(14,2) NOT NULL,
    "segment" TEXT NOT NULL,
    "previousPlacedAt" TIMESTAMP(3),
    "nextPlacedAt" TIMESTAMP(3),
    "program" TEXT,

    CONSTRAINT "OrderFact_pkey" PRIMARY KEY ("orderId")
);

-- CreateIndex
CREATE INDEX "OrderFact_contactId_idx" ON "OrderFact"("contactId");

-- CreateIndex
CREATE INDEX "OrderFact_placedAt_segment_total_previousPlacedAt_nextPlace_idx" ON "OrderFact"("placedAt", "segment", "total", "previousPlacedAt", "nextPlacedAt", "program");

-- The facts of the orders matching `scope` (a condition on Order o), as an upsert that leaves
-- unchanged rows alone. The attribution rule is the live query's (customer-metrics.ts), word for word.
CREATE FUNCTION customer_order_facts_sql(scope TEXT) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format($sql$
    INSERT INTO "OrderFact" ("orderId", "contactId", "placedAt", total, segment, "previousPlacedAt", "nextPlacedAt", program)
    SELECT o.id, o."contactId", o."placedAt", o.total, c.segment,
      lag(o."placedAt") OVER placed, lead(o."placedAt") OVER placed,
      CASE
        WHEN EXISTS (
          SELECT 1 FROM "Enrollment" e JOIN "SendLedger" l ON l."enrollmentId" = e.id
          WHERE e."contactId" = o."contactId" AND e."sequenceKey" = 'cart-recovery'
            AND e."entryKey" = 'cartId/' || o."cartId"
            AND l.status = 'sent' AND l."sentAt" <= o."placedAt"
        ) THEN 'cart-recovery'
        WHEN EXISTS (
          SELECT 1 FROM "SendLedger" l JOIN "Enrollment" e ON e.id = l."enrollmentId"
          WHERE l."contactId" = o."contactId" AND e."sequenceKey" = 'post-purchase'
            AND e."entryKey" <> 'orderId/' || o.id
            AND l.status = 'sent' AND l."sentAt" <= o."placedAt"
            AND l."sentAt" > o."placedAt" - make_interval(days => 30)
        ) THEN 'post-purchase'
      END
    FROM "Order" o JOIN "Contact" c ON c.id = o."contactId"
    WHERE %s
    WINDOW placed AS (PARTITION BY o."contactId" ORDER BY o."placedAt", o.id)
    ON CONFLICT ("orderId") DO UPDATE SET "contactId" = excluded."contactId", "placedAt" = excluded."placedAt",
      total = excluded.total, segment = excluded.segment, "previousPlacedAt" = excluded."previousPlacedAt",
      "nextPlacedAt" = excluded."nextPlacedAt", program = excluded.program
    WHERE ("OrderFact"."contactId", "OrderFact"."placedAt", "OrderFact".total, "OrderFact".segment,
        "OrderFact"."previousPlacedAt", "OrderFact"."nextPlacedAt", "OrderFact".program)
      IS DISTINCT FROM (excluded."contactId", excluded."placedAt", excluded.total, excluded.segment,
        excluded."previousPlacedAt", excluded."nextPlacedAt", excluded.program)
  $sql$, scope)
$$;

-- The per-contact lock every recompute takes first (see the top).
CREATE FUNCTION customer_order_facts_lock(contacts UUID[]) RETURNS void LANGUAGE plpgsql AS E'BEGIN
  PERFORM 1 FROM "Contact" WHERE id = ANY (contacts) ORDER BY id FOR NO KEY UPDATE\073
END';

CREATE FUNCTION customer_execute(statement TEXT) RETURNS void LANGUAGE plpgsql AS E'BEGIN EXECUTE statement\073 END';

-- Makes the contacts' facts what their orders say now: facts of orders gone (deleted, moved to another
-- contact) are removed, the others written. Static SQL (generated once here), so its plan is cached.
SELECT customer_execute(format(
  'CREATE FUNCTION customer_order_facts_refresh(contacts UUID[]) RETURNS void LANGUAGE plpgsql AS %L',
  format('BEGIN PERFORM customer_order_facts_lock(contacts)%1$s '
    'DELETE FROM "OrderFact" f WHERE f."contactId" = ANY (contacts) AND NOT EXISTS ('
    'SELECT 1 FROM "Order" o WHERE o.id = f."orderId" AND o."contactId" = f."contactId")%1$s '
    '%2$s%1$s END', chr(59), customer_order_facts_sql('o."contactId" = ANY (contacts)'))));

-- Orders written in bulk by ingestion (one statement per batch), moved by a merge, deleted with their
-- contact. An update that changes none of the columns the facts read (the erasure's) changes nothing.
CREATE FUNCTION customer_order_facts_orders() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  IF TG_OP = ''INSERT'' THEN
    PERFORM customer_order_facts_refresh(ARRAY(SELECT DISTINCT "contactId" FROM new_rows))\073
  ELSIF TG_OP = ''DELETE'' THEN
    PERFORM customer_order_facts_refresh(ARRAY(SELECT DISTINCT "contactId" FROM old_rows))\073
  ELSE
    PERFORM customer_order_facts_refresh(ARRAY(SELECT DISTINCT "contactId" FROM (
      (SELECT id, "contactId", "cartId", total, "placedAt" FROM new_rows
        EXCEPT SELECT id, "contactId", "cartId", total, "placedAt" FROM old_rows)
      UNION ALL
      (SELECT id, "contactId", "cartId", total, "placedAt" FROM old_rows
        EXCEPT SELECT id, "contactId", "cartId", total, "placedAt" FROM new_rows)) changed))\073
  END IF\073
  RETURN NULL\073
END';

-- A contact's orders follow it into its new segment (the update holds the contact's row lock).
CREATE FUNCTION customer_order_facts_segment() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  UPDATE "OrderFact" SET segment = NEW.segment WHERE "contactId" = NEW.id AND segment <> NEW.segment\073
  RETURN NULL\073
END';

-- A cart-recovery or post-purchase run: its own contact's orders, and those of the contacts its sent
-- emails went to (a run can be written after its emails, and a deleted run takes their attribution).
CREATE FUNCTION customer_order_facts_program_run() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN
  PERFORM customer_order_facts_refresh(ARRAY[OLD."contactId", NEW."contactId"] || ARRAY(
    SELECT l."contactId" FROM "SendLedger" l
    WHERE l."enrollmentId" IN (OLD.id, NEW.id) AND l.status = ''sent''))\073
  RETURN NULL\073
END';

-- An email sent (or no longer): if it belongs to a cart-recovery run, the orders of the run's contact
-- (the rule matches the run's cart), if to a post-purchase run, those of the contact it went to.
CREATE FUNCTION customer_order_facts_program_email() RETURNS trigger LANGUAGE plpgsql AS E'DECLARE
  contacts UUID[] := ARRAY(
    SELECT CASE e."sequenceKey" WHEN ''cart-recovery'' THEN e."contactId" ELSE l."contactId" END
    FROM (VALUES (OLD."enrollmentId", OLD."contactId"), (NEW."enrollmentId", NEW."contactId")) l("enrollmentId", "contactId")
    JOIN "Enrollment" e ON e.id = l."enrollmentId"
    WHERE e."sequenceKey" IN (''cart-recovery'', ''post-purchase''))\073
BEGIN
  IF cardinality(contacts) > 0 THEN
    PERFORM customer_order_facts_refresh(contacts)\073
  END IF\073
  RETURN NULL\073
END';

CREATE TRIGGER customer_order_facts_insert AFTER INSERT ON "Order"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_order_facts_orders();
CREATE TRIGGER customer_order_facts_update AFTER UPDATE ON "Order"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_order_facts_orders();
CREATE TRIGGER customer_order_facts_delete AFTER DELETE ON "Order"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_order_facts_orders();

CREATE TRIGGER customer_order_facts_segment AFTER UPDATE ON "Contact" FOR EACH ROW
  WHEN (OLD.segment IS DISTINCT FROM NEW.segment)
  EXECUTE FUNCTION customer_order_facts_segment();

CREATE TRIGGER customer_order_facts_run_insert AFTER INSERT ON "Enrollment" FOR EACH ROW
  WHEN (NEW."sequenceKey" IN ('cart-recovery', 'post-purchase'))
  EXECUTE FUNCTION customer_order_facts_program_run();
CREATE TRIGGER customer_order_facts_run_update AFTER UPDATE ON "Enrollment" FOR EACH ROW
  WHEN ((OLD."sequenceKey" IN ('cart-recovery', 'post-purchase') OR NEW."sequenceKey" IN ('cart-recovery', 'post-purchase'))
    AND (OLD.id, OLD."contactId", OLD."sequenceKey", OLD."entryKey") IS DISTINCT FROM (NEW.id, NEW."contactId", NEW."sequenceKey", NEW."entryKey"))
  EXECUTE FUNCTION customer_order_facts_program_run();
CREATE TRIGGER customer_order_facts_run_delete AFTER DELETE ON "Enrollment" FOR EACH ROW
  WHEN (OLD."sequenceKey" IN ('cart-recovery', 'post-purchase'))
  EXECUTE FUNCTION customer_order_facts_program_run();

CREATE TRIGGER customer_order_facts_email_insert AFTER INSERT ON "SendLedger" FOR EACH ROW
  WHEN (NEW.status = 'sent')
  EXECUTE FUNCTION customer_order_facts_program_email();
CREATE TRIGGER customer_order_facts_email_update AFTER UPDATE ON "SendLedger" FOR EACH ROW
  WHEN ((OLD.status = 'sent' OR NEW.status = 'sent')
    AND (OLD.status, OLD."sentAt", OLD."enrollmentId", OLD."contactId") IS DISTINCT FROM (NEW.status, NEW."sentAt", NEW."enrollmentId", NEW."contactId"))
  EXECUTE FUNCTION customer_order_facts_program_email();
CREATE TRIGGER customer_order_facts_email_delete AFTER DELETE ON "SendLedger" FOR EACH ROW
  WHEN (OLD.status = 'sent')
  EXECUTE FUNCTION customer_order_facts_program_email();

-- Backfill from the orders already stored.
SELECT customer_execute(customer_order_facts_sql('true'));
DROP FUNCTION customer_execute(TEXT);
