-- AlterTable
ALTER TABLE "Contact" ALTER COLUMN "marketingConsent" SET DEFAULT false;

