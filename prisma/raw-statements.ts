// Raw SQL written once for two kinds of transaction: Prisma's interactive transaction, and a
// connection of the store's pg pool (sqlTransaction). Batch ingestion runs on the second: Prisma
// compiles every raw query with its parameters in its WebAssembly query compiler, which for a batch's
// JSON parameters (hundreds of kilobytes) cost about 7 ms of CPU a statement against 0.4 ms through pg
// (BENCHMARKS.md, "Events ingestion"). The code that also runs in Prisma transactions (a stage change,
// a ghost merge) takes either.
import pg from "pg";
import { Prisma } from "../generated/prisma/client.ts";
import { type ContactStore, sqlTransaction } from "./client.ts";

/** What both kinds of transaction offer: Prisma's tagged-template raw queries, with Prisma's values. */
export interface RawStatements {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
}

const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;

// The values Prisma's raw queries return, so that code reading a row does not depend on the
// transaction it runs in: int8 as bigint, numeric as Decimal, a timestamp as the UTC instant it stores
// (pg's own parser reads it in the process's time zone).
const PARSERS = new Map<number, (text: string) => unknown>([
  [INT8, (text) => BigInt(text)],
  [NUMERIC, (text) => new Prisma.Decimal(text)],
  [TIMESTAMP, (text) => new Date(`${text.replace(" ", "T")}Z`)],
]);
const prismaTypes = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    PARSERS.get(oid) ?? pg.types.getTypeParser(oid, format),
} as pg.CustomTypesConfig;

// Parameters as Prisma sends them: an instant as its UTC ISO string (a `::timestamp` cast then keeps
// UTC; pg would send local time), bigint and Decimal as their digits.
function parameter(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint" || Prisma.Decimal.isDecimal(value)) return String(value);
  return value;
}

/** Raw statements on a pg connection (inside the caller's transaction, if it opened one) or the pool. */
export function rawStatements(client: pg.ClientBase | pg.Pool): RawStatements {
  const run = (query: TemplateStringsArray | Prisma.Sql, values: unknown[]) => {
    const sql = Array.isArray(query)
      ? Prisma.sql(query as TemplateStringsArray, ...values)
      : (query as Prisma.Sql);
    return client.query({ text: sql.text, values: sql.values.map(parameter), types: prismaTypes });
  };
  return {
    $queryRaw: async <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) =>
      (await run(query, values)).rows as T,
    $executeRaw: async (query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) =>
      (await run(query, values)).rowCount ?? 0,
  };
}

/** sqlTransaction with its connection's raw statements; `work` also gets the connection for pg calls. */
export function rawTransaction<T>(
  store: ContactStore,
  work: (tx: RawStatements, client: pg.PoolClient) => Promise<T>,
  options?: Parameters<typeof sqlTransaction>[2],
): Promise<T> {
  return sqlTransaction(store, (client) => work(rawStatements(client), client), options);
}
