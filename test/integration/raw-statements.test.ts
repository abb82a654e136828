// The same raw SQL through Prisma's interactive transaction and through a pg connection
// (prisma/raw-statements.ts) reads and writes the same values: code shared by both, such as a ghost
// merge or a stage change, must not depend on which transaction it runs in.
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { Prisma } from "../../generated/prisma/client.ts";
import { type ContactStore, openContactStore, sqlTransaction } from "../../prisma/client.ts";
import { type RawStatements, rawStatements } from "../../prisma/raw-statements.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";

let store: ContactStore;

beforeAll(async () => {
  store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")), 4);
});
afterAll(() => store.$disconnect());

const instant = new Date("2026-12-07T23:30:00.123Z");

// Values of every kind the application's raw statements read, from parameters and from literals.
function readEveryKind(tx: RawStatements) {
  return tx.$queryRaw<Array<Record<string, unknown>>>`
    SELECT 9007199254740993::int8 AS big, 12.34::numeric(14, 2) AS money, 1.5::float8 AS float,
      7::int AS int, true AS yes, NULL::text AS nothing, '{"a": [1, "b"]}'::jsonb AS json,
      ARRAY['x', 'y'] AS texts, '6f1c2d3e-0000-4000-8000-000000000001'::uuid AS uuid,
      '2026-12-07 23:30:00.123'::timestamp AS "timestampLiteral",
      ${instant}::timestamp AS "timestampParameter", ${instant}::timestamptz AS "timestamptzParameter",
      ${instant}::timestamp::text AS "storedText", ${12n}::int8 + 1 AS "bigintParameter"`;
}

describe("raw statements", () => {
  test("a pg connection reads the values Prisma's raw queries read", async () => {
    const [throughPrisma] = await store.$transaction((tx) => readEveryKind(tx));
    const [throughPg] = await sqlTransaction(store, (client) => readEveryKind(rawStatements(client)));
    expect(throughPg).toEqual(throughPrisma);
    expect(throughPg).toMatchObject({
      big: 9007199254740993n,
      float: 1.5,
      json: { a: [1, "b"] },
      timestampLiteral: instant,
      timestampParameter: instant,
      timestamptzParameter: instant,
      // An instant is written as its UTC wall time, whatever the process's zone.
      storedText: "2026-12-07 23:30:00.123",
      bigintParameter: 13n,
    });
    expect(String(throughPg?.money)).toBe("12.34");
  });

  test("a statement built from fragments, and an executed statement's row count", async () => {
    const [rows, count] = await sqlTransaction(store, async (client) => {
      const tx = rawStatements(client);
      const table = Prisma.raw('"raw_rows"');
      await tx.$executeRaw`CREATE TEMPORARY TABLE ${table} (n int) ON COMMIT DROP`;
      const inserted = await tx.$executeRaw`INSERT INTO ${table} SELECT generate_series(1, ${3}::int)`;
      const above = Prisma.sql`WHERE n > ${1}::int`;
      return [
        await tx.$queryRaw<Array<{ n: number }>>(Prisma.sql`SELECT n FROM ${table} ${above} ORDER BY n`),
        inserted,
      ];
    });
    expect(count).toBe(3);
    expect(rows).toEqual([{ n: 2 }, { n: 3 }]);
  });
});
