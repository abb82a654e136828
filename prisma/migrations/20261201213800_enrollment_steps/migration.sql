-- AlterTable
ALTER TABLE "Enrollment" ADD COLUMN     "steps" JSONB;
