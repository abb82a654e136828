-- AlterTable
ALTER TABLE "Cart" ADD COLUMN     "abandonedAt" TIMESTAMP(3);

