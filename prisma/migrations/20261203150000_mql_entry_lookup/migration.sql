-- The score roll-up triggers (20261203110000_score_driver_rollups) look up, for every score
-- contribution written, the MQL entries of the same contact at or after it ("contactId" = ? AND
-- "toStage" = 'mql' AND "occurredAt" >= ?). With only the indexes of the schema the planner took
-- "StageChange_toStage_occurredAt_idx" and filtered on the contact, reading every MQL entry after the
-- contribution's time, of all contacts: ingesting 1,000 back-dated events spent about 180 ms there once
-- the store held some 850 entries (BENCHMARKS.md, "Events ingestion"), growing with the entries. This
-- index answers from the contact's own entries, and also serves the triggers' other per-contact reads
-- of its MQL entries. An index only: the data is unchanged.

-- CreateIndex
CREATE INDEX "StageChange_mql_contactId_occurredAt_idx" ON "StageChange" ("contactId", "occurredAt") WHERE "toStage" = 'mql';
