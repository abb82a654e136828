-- Every send inserts a ledger row and marks it sent, and the sent mark changes an indexed column
-- ("sentAt"), so it is no HOT update and writes an entry into every index of the table. The indexes
-- that only find rows once something happened to them (sent, opened, clicked) skip the rows it has
-- not happened to yet: the insert of a send writes none of them, its sent mark only the sentAt one. The
-- queries that use them (api/trigger-latency-metric.ts, activities/analytics/sequence-metrics.ts)
-- bound the column with a range, which implies IS NOT NULL, so they still use them.
--
-- The Message-ID is derived from the business key (domain/email/message-id.ts), which is unique
-- already, and nothing looks a row up by it: its unique index only cost every insert.
-- (The Prisma schema has no partial indexes: schema.prisma names these instead of declaring them.)

-- DropIndex
DROP INDEX "SendLedger_messageId_key";

-- DropIndex
DROP INDEX "SendLedger_sentAt_idx";

-- DropIndex
DROP INDEX "SendLedger_firstOpenedAt_idx";

-- DropIndex
DROP INDEX "SendLedger_firstClickedAt_idx";

-- CreateIndex
CREATE INDEX "SendLedger_sentAt_idx" ON "SendLedger"("sentAt") WHERE "sentAt" IS NOT NULL;

-- CreateIndex
CREATE INDEX "SendLedger_firstOpenedAt_idx" ON "SendLedger"("firstOpenedAt") WHERE "firstOpenedAt" IS NOT NULL;

-- CreateIndex
CREATE INDEX "SendLedger_firstClickedAt_idx" ON "SendLedger"("firstClickedAt") WHERE "firstClickedAt" IS NOT NULL;
