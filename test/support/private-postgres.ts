// A PostgreSQL server of a test's own (initdb into a temporary directory, its own port), for tests that
// stop and start the database: the machine's shared server is never touched. Uses the machine's
// PostgreSQL binaries (/usr/lib/postgresql/<version>/bin); as root they run as the `postgres` user,
// since PostgreSQL refuses to run as root.
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

export interface PrivatePostgres {
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  start(): Promise<void>;
  /** Stops at once (`immediate`): clients see their connections drop, as in a crash. */
  stop(): Promise<void>;
  remove(): Promise<void>;
}

function binaries(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions
    .map((version) => join(root, version, "bin"))
    .find((bin) => existsSync(join(bin, "initdb")));
  if (!found) throw new Error(`no PostgreSQL binaries under ${root}`);
  return found;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binaries();
  const dir = mkdtempSync(join(tmpdir(), "nurtureflow-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: group } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(group.trim()));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args]) : run(join(bin, tool), args);

  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const server: PrivatePostgres = {
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pg("pg_ctl", [
        "-D",
        data,
        "-l",
        join(dir, "server.log"),
        "-w",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "start",
      ]);
    },
    async stop() {
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    async remove() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
