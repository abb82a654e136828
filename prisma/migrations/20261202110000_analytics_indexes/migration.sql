-- Indexes for the journey analytics (activities/analytics): every metric reads a period by its own
-- time column, and the counts "now" come from index-only scans (bench/metrics.bench.ts, BENCHMARKS.md).

-- DropIndex
DROP INDEX "ScoreContribution_contactId_idx";

-- CreateIndex
CREATE INDEX "Contact_mergedIntoId_lifecycleStage_highestStage_idx" ON "Contact"("mergedIntoId", "lifecycleStage", "highestStage");

-- CreateIndex
CREATE INDEX "Contact_createdAt_idx" ON "Contact"("createdAt");

-- CreateIndex
CREATE INDEX "Contact_unsubscribedAt_idx" ON "Contact"("unsubscribedAt");

-- CreateIndex
CREATE INDEX "Contact_orderCount_segment_totalRevenue_mergedIntoId_idx" ON "Contact"("orderCount", "segment", "totalRevenue", "mergedIntoId");

-- CreateIndex
CREATE INDEX "StageChange_occurredAt_idx" ON "StageChange"("occurredAt");

-- CreateIndex
CREATE INDEX "StageChange_toStage_occurredAt_idx" ON "StageChange"("toStage", "occurredAt");

-- CreateIndex
CREATE INDEX "ScoreContribution_contactId_occurredAt_idx" ON "ScoreContribution"("contactId", "occurredAt");

-- CreateIndex
CREATE INDEX "SegmentMembership_leftAt_segment_idx" ON "SegmentMembership"("leftAt", "segment");

-- CreateIndex
CREATE INDEX "SegmentMembership_enteredAt_segment_idx" ON "SegmentMembership"("enteredAt", "segment");

-- CreateIndex
CREATE INDEX "Order_placedAt_idx" ON "Order"("placedAt");

-- CreateIndex
CREATE INDEX "Enrollment_startedAt_idx" ON "Enrollment"("startedAt");

-- CreateIndex
CREATE INDEX "SendLedger_createdAt_idx" ON "SendLedger"("createdAt");

-- CreateIndex
CREATE INDEX "SendDecision_decision_decidedAt_idx" ON "SendDecision"("decision", "decidedAt");

