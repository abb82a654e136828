// The one way the application opens the contact store: Prisma Client over the pg driver adapter.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type ContactStore = InstanceType<typeof PrismaClient>;

export function openContactStore(databaseUrl: string, maxConnections = 10): ContactStore {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: maxConnections }) });
}
