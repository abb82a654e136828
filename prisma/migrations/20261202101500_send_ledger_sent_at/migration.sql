-- The API's trigger-to-send histogram reads the sends completed since its last scrape.
CREATE INDEX "SendLedger_sentAt_idx" ON "SendLedger"("sentAt");
