-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "externalId" TEXT;

-- CreateTable
CREATE TABLE "ProfileUpdate" (
    "id" BIGSERIAL NOT NULL,
    "contactId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProfileUpdate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ProfileUpdate_idempotencyKey_key" ON "ProfileUpdate"("idempotencyKey");

-- CreateIndex
CREATE INDEX "ProfileUpdate_contactId_idx" ON "ProfileUpdate"("contactId");

-- CreateIndex
CREATE UNIQUE INDEX "Contact_externalId_key" ON "Contact"("externalId");

-- AddForeignKey
ALTER TABLE "ProfileUpdate" ADD CONSTRAINT "ProfileUpdate_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

