-- AlterTable
ALTER TABLE "Outbox" ADD COLUMN     "leaseToken" UUID,
ADD COLUMN     "parkedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ServiceHealth" (
    "component" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "detail" TEXT,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServiceHealth_pkey" PRIMARY KEY ("component")
);

-- CreateIndex
CREATE INDEX "Outbox_contactId_id_idx" ON "Outbox"("contactId", "id");

