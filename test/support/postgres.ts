// Test databases: one migrated template per run, and a cheap copy of it per test file.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import pg from "pg";

export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const TEST_DATABASE_PREFIX = "nurtureflow_test_";

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Copies share the template's run prefix, so the run's teardown drops exactly its own databases. */
export async function createDatabaseFromTemplate(template: string): Promise<string> {
  const name = `${template.replace(/template$/, "")}${randomBytes(6).toString("hex")}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return databaseUrl(name);
}

export async function dropDatabases(prefix: string): Promise<void> {
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${prefix}%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

/** Drops the databases of earlier test runs whose process is gone (a run killed before its teardown). */
export async function dropAbandonedTestDatabases(): Promise<void> {
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${TEST_DATABASE_PREFIX}%`],
    );
    for (const { datname } of rows) {
      const pid = Number(new RegExp(`^${TEST_DATABASE_PREFIX}(\\d+)_`).exec(datname)?.[1]);
      if (Number.isInteger(pid) && !existsSync(`/proc/${pid}`)) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  });
}
