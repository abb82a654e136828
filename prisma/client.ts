// The one way the application opens the contact store: Prisma Client over the pg driver adapter, on a
// pg pool the hot paths may also query directly (sqlPool).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type ContactStore = InstanceType<typeof PrismaClient>;

const pools = new WeakMap<ContactStore, pg.Pool>();

export function openContactStore(databaseUrl: string, maxConnections = 10): ContactStore {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: maxConnections,
    // No JIT compilation: the app's queries are short, and the metric queries' nested-loop cost
    // estimates (millions) trigger JIT that costs more than the query (BENCHMARKS.md, journey metrics).
    options: "-c jit=off",
  });
  const store = new PrismaClient({
    // $disconnect ends the pool.
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    // Prisma's defaults (2 s to get a connection, 5 s per transaction) turn a burst of requests on a
    // busy machine into 500s; a transaction waits its turn for the pool instead.
    transactionOptions: { maxWait: 10_000, timeout: 30_000 },
  });
  // An idle connection the server closes (a restart, a terminated backend) is dropped by the pool and
  // replaced on demand; unheard, its error would end the process, and Prisma listens only once it has
  // connected, which a process using only the pool's hot paths may never do.
  pool.on("error", () => {});
  // For the same reason $disconnect ends the pool itself when Prisma never connected.
  const disconnect = store.$disconnect.bind(store);
  store.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  pools.set(store, pool);
  return store;
}

/**
 * The store's own pg pool, for raw SQL on hot paths: a query through Prisma's JavaScript engine costs
 * about four times the CPU of the same query through pg (BENCHMARKS.md, "Email delivery"). pg's own
 * type parsing applies: int8 comes back as a string and `timestamp` columns are best written as UTC
 * ISO strings cast with `::timestamp`.
 */
export function sqlPool(store: ContactStore): pg.Pool {
  const pool = pools.get(store);
  if (!pool) throw new Error("the contact store was not opened with openContactStore");
  return pool;
}

/**
 * Runs `work` in one transaction on a connection of the store's pg pool: committed when it returns,
 * rolled back when it throws. For hot paths, where Prisma's per-statement cost shows.
 * `statementTimeoutMs` bounds each of its statements (a lock wait included), as Prisma's transaction
 * timeout bounded the whole.
 */
export async function sqlTransaction<T>(
  store: ContactStore,
  work: (client: pg.PoolClient) => Promise<T>,
  { statementTimeoutMs }: { statementTimeoutMs?: number } = {},
): Promise<T> {
  const client = await sqlPool(store).connect();
  try {
    await client.query(
      statementTimeoutMs === undefined
        ? "BEGIN"
        : `BEGIN; SET LOCAL statement_timeout = ${Math.max(1, Math.round(statementTimeoutMs))}`,
    );
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    // A connection whose rollback failed is broken: pass the error so the pool discards it.
    await client.query("ROLLBACK").then(
      () => client.release(),
      (rollbackError: Error) => client.release(rollbackError),
    );
    throw error;
  }
}
