-- CreateTable
CREATE TABLE "SendDecision" (
    "id" BIGSERIAL NOT NULL,
    "contactId" UUID NOT NULL,
    "enrollmentId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "category" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT,
    "deferUntil" TIMESTAMP(3),
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SendDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" BIGSERIAL NOT NULL,
    "contactId" UUID NOT NULL,
    "enrollmentId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "statusCode" INTEGER,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SendDecision_contactId_decidedAt_idx" ON "SendDecision"("contactId", "decidedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SendDecision_enrollmentId_stepId_attempt_key" ON "SendDecision"("enrollmentId", "stepId", "attempt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_contactId_idx" ON "WebhookDelivery"("contactId");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_enrollmentId_stepId_key" ON "WebhookDelivery"("enrollmentId", "stepId");

-- AddForeignKey
ALTER TABLE "SendDecision" ADD CONSTRAINT "SendDecision_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

