-- CreateTable
CREATE TABLE "BuiltInSeed" (
    "sequenceKey" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "digest" TEXT NOT NULL,
    "seededAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BuiltInSeed_pkey" PRIMARY KEY ("sequenceKey","version")
);

