// Runs `npm run demo:data` (scripts/demo-data.ts) against a test database, as a user would.
import { spawnSync } from "node:child_process";

export function writeDemoData(databaseUrl: string, contacts: number) {
  return spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/demo-data.ts", "--contacts", String(contacts)],
    { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: "utf8", timeout: 600_000 },
  );
}
