-- CreateTable
CREATE TABLE "SmtpFailureCount" (
    "kind" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "lastAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SmtpFailureCount_pkey" PRIMARY KEY ("kind")
);

