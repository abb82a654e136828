// The store's pg pool on its own: a process that only ever uses the hot paths' raw SQL (batch
// ingestion, the send claim) survives the server closing an idle connection, and disconnecting the
// store closes the pool, although Prisma never connected; a transaction on the pool can bound its
// statements.
import pg from "pg";
import { expect, inject, test } from "vitest";
import { openContactStore, sqlPool, sqlTransaction } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";
import { waitUntil } from "../support/wait.ts";

test("an idle connection closed by the server is replaced, and $disconnect ends the pool", async () => {
  const url = await createDatabaseFromTemplate(inject("templateDatabase"));
  const store = openContactStore(url, 2);
  const pool = sqlPool(store);
  const pid = await sqlTransaction(store, async (client) => {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    return rows[0]?.pid;
  });
  expect(pool.idleCount).toBe(1);

  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query("SELECT pg_terminate_backend($1)", [pid]);
  await admin.end();
  await waitUntil(async () => pool.totalCount === 0, 10_000, "the pool dropping the terminated connection");
  const { rows } = await sqlPool(store).query<{ ok: number }>("SELECT 1 AS ok");
  expect(rows).toEqual([{ ok: 1 }]);

  await store.$disconnect();
  expect(pool.ended).toBe(true);
  expect(pool.totalCount).toBe(0);
});

test("a transaction's statement timeout fails a statement that waits too long, and rolls back", async () => {
  // One connection: the statements after the transaction run on the one it used.
  const store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")), 1);
  const attempt = sqlTransaction(
    store,
    async (client) => {
      await client.query(`CREATE TABLE held (n int)`);
      await client.query("SELECT pg_sleep(5)");
    },
    { statementTimeoutMs: 200 },
  );
  await expect(attempt).rejects.toMatchObject({ code: "57014" });
  const { rows } = await sqlPool(store).query(`SELECT to_regclass('held') IS NULL AS "rolledBack"`);
  expect(rows).toEqual([{ rolledBack: true }]);
  // The setting was the transaction's own: the connection's next statement has no timeout.
  const { rows: setting } = await sqlPool(store).query("SHOW statement_timeout");
  expect(setting).toEqual([{ statement_timeout: "0" }]);
  await store.$disconnect();
});
