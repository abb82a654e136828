-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "erasedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ContactErasure" (
    "contactId" UUID NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "runsCancelled" INTEGER NOT NULL,
    "records" JSONB NOT NULL,

    CONSTRAINT "ContactErasure_pkey" PRIMARY KEY ("contactId")
);

