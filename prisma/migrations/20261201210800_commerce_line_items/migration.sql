-- AlterTable
ALTER TABLE "Cart" ADD COLUMN     "currency" TEXT,
ADD COLUMN     "url" TEXT;

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "currency" TEXT,
ADD COLUMN     "items" JSONB NOT NULL DEFAULT '[]';

