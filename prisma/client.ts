// The one way the application opens the contact store: Prisma Client over the pg driver adapter.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type ContactStore = InstanceType<typeof PrismaClient>;

export function openContactStore(databaseUrl: string, maxConnections = 10): ContactStore {
  return new PrismaClient({
    adapter: new PrismaPg({
      connectionString: databaseUrl,
      max: maxConnections,
      // No JIT compilation: the app's queries are short, and the metric queries' nested-loop cost
      // estimates (millions) trigger JIT that costs more than the query (BENCHMARKS.md, journey metrics).
      options: "-c jit=off",
    }),
    // Prisma's defaults (2 s to get a connection, 5 s per transaction) turn a burst of requests on a
    // busy machine into 500s; a transaction waits its turn for the pool instead.
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
  });
}
