// Prisma CLI configuration: the JavaScript schema engine talks to PostgreSQL through the pg driver,
// so no native engine has to be downloaded (see ../shared/ENVIRONMENT.md).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";
import { parseConfig } from "./domain/config.ts";

// The schema's datasource reads DATABASE_URL too: without a value the 6.19 CLI falls back to downloading
// a native query engine, so the application's default applies here as well.
process.env.DATABASE_URL ||= parseConfig(process.env).databaseUrl;

const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

// The JS schema engine cannot deserialise PostgreSQL's `name` type (prisma/orm#27403). The catalogue
// queries it runs read `name` columns as plain strings, so reporting them as `text` is equivalent.
function reportNameAsText(res: pg.QueryResult | undefined): void {
  for (const field of res?.fields ?? []) {
    if (field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID;
  }
}

class NameAsTextClient extends pg.Client {
  // pg-pool calls query() with a trailing callback, the adapter awaits a promise: patch both paths.
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() overloads cannot be forwarded with types.
  override query(...args: any[]): any {
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const callback = args[last];
      args[last] = (err: Error | null, res: pg.QueryResult) => {
        reportNameAsText(res);
        callback(err, res);
      };
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    const result = (super.query as any)(...args);
    if (result && typeof result.then === "function") {
      return result.then((res: pg.QueryResult) => {
        reportNameAsText(res);
        return res;
      });
    }
    return result;
  }
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg({ connectionString: process.env.DATABASE_URL, Client: NameAsTextClient } as pg.PoolConfig),
});
