// `npm run keys -- create --scope read|ingest|write|admin [--name N]`, `npm run keys -- revoke ID`,
// `npm run keys -- list`: API keys in the database named by DATABASE_URL. A new key is printed once;
// only its hash is kept.
import { parseArgs } from "node:util";
import { createApiKey, isApiScope, revokeApiKey } from "../api/auth/api-keys.ts";
import { API_SCOPES } from "../api/route-definition.ts";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";

const USAGE = `usage:
  npm run keys -- create --scope ${API_SCOPES.join("|")} [--name NAME]
  npm run keys -- revoke ID
  npm run keys -- list`;

class UsageError extends Error {}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { scope: { type: "string" }, name: { type: "string" } },
  strict: false,
});
const [command, ...rest] = positionals;
const store = openContactStore(parseConfig(process.env).databaseUrl, 1);

async function run(): Promise<void> {
  if (command === "create") {
    const scope = typeof values.scope === "string" ? values.scope : "";
    if (!isApiScope(scope)) throw new UsageError(`--scope must be one of ${API_SCOPES.join(", ")}`);
    const name = typeof values.name === "string" && values.name.trim() ? values.name.trim() : null;
    const issued = await createApiKey(store, scope, name);
    console.log(`created key ${issued.id} (scope ${scope}${name ? `, name ${name}` : ""})`);
    console.log("the key (shown only now, store it safely):");
    console.log(issued.key);
    return;
  }
  if (command === "revoke") {
    const [id] = rest;
    if (!id || rest.length !== 1) throw new UsageError("revoke takes one key id (see `list`)");
    if (!(await revokeApiKey(store, id))) throw new UsageError(`no key with id ${id}`);
    console.log(`revoked key ${id}`);
    return;
  }
  if (command === "list") {
    const keys = await store.apiKey.findMany({ orderBy: { createdAt: "asc" } });
    if (keys.length === 0) console.log("no keys");
    for (const key of keys) {
      const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : "active";
      const used = key.lastUsedAt ? key.lastUsedAt.toISOString() : "never";
      console.log(
        [key.id, key.scope.padEnd(6), key.prefix, state, `last used ${used}`, key.name ?? ""].join("  "),
      );
    }
    return;
  }
  throw new UsageError(command ? `unknown command ${command}` : "no command");
}

try {
  await run();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  process.exitCode = 2;
} finally {
  await store.$disconnect();
}
