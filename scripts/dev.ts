// `npm run dev`: the whole local stack in one command, run as a supervisor. It starts PostgreSQL
// (DATABASE_URL when set, otherwise an embedded PGlite server), a mail catcher with a web inbox (in the
// supervisor's own process), the Temporal dev server with its Web UI, the worker (which seeds the
// built-in programs) and the API, each in its own process group. SIGINT or SIGTERM (Ctrl-C, `kill`, systemd, Docker, an IDE's stop button,
// or npm forwarding either) stops them in the reverse order: the API finishes its requests, the worker
// drains, then Temporal, the mail catcher and the database go, and the ports are free again.
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ConfigError, parseConfig } from "../domain/config.ts";
import { lockDataDir } from "./dev-stack/data-dir-lock.ts";
import { type DevSettings, parseDevSettings } from "./dev-stack/dev-settings.ts";
import { startMailInbox } from "./dev-stack/mail-inbox.ts";
import { describePortsInUse, portsInUse } from "./dev-stack/port-check.ts";
import {
  runToEnd,
  type StackPart,
  type SupervisedProcess,
  startSupervised,
} from "./dev-stack/supervised-process.ts";
import { ensureTemporalCli } from "./temporal-cli.ts";
import { startTemporalDevServer } from "./temporal-dev-server.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
// A young generation of 1 MB instead of V8's 16 MB semi-spaces: each Node.js process of the stack holds
// about 45 MB less for slightly more frequent scavenges, which a one-developer stack does not notice.
const NODE_MEMORY_FLAGS = ["--max-semi-space-size=1", "--optimize-for-size"];
const say = (line: string) => console.log(`[dev] ${line}`);

/** Started parts, in start order; stopped in the reverse order. */
const parts: StackPart[] = [];
let lock: { release(): void } | null = null;
let stopping: Promise<void> | null = null;

class StartAborted extends Error {}

function stopAll(code: number, why: string): Promise<void> {
  stopping ??= (async () => {
    say(`stopping (${why})`);
    for (let part = parts.pop(); part; part = parts.pop()) {
      await part.stop();
      say(`${part.name} stopped`);
    }
    lock?.release();
    say("done: nothing left running");
    process.exit(code);
  })();
  return stopping;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) say(`${signal} again: already stopping`);
    void stopAll(0, signal);
  });
}

/** Adds a started process to the stack; its unexpected end stops the whole stack. */
function supervise(part: SupervisedProcess): SupervisedProcess {
  parts.push(part);
  void part.exited.then((code) => {
    if (!stopping) {
      say(`${part.name} exited (${code}); stopping the stack`);
      void stopAll(1, `${part.name} exited`);
    }
  });
  if (stopping) void part.stop();
  return part;
}

function notStopping(): void {
  if (stopping) throw new StartAborted();
}

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
    notStopping();
    if (Date.now() > deadline) throw new Error(`${what} did not open port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A Node.js process running TypeScript through tsx's loader: one process, so signals reach it directly. */
function startNodePart(name: string, file: string, env: NodeJS.ProcessEnv, graceMs: number) {
  return supervise(
    startSupervised({
      name,
      command: process.execPath,
      args: [...NODE_MEMORY_FLAGS, "--import", "tsx", join(ROOT, file)],
      env,
      graceMs,
    }),
  );
}

async function prepareDatabase(settings: DevSettings): Promise<string> {
  const { dataDir } = settings;
  const embeddedPort = settings.ports.embeddedPostgres;
  const configured = settings.given.databaseUrl;
  if (configured) {
    const url = new URL(configured);
    const database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
    say(`PostgreSQL: ${url.host}/${database} (from DATABASE_URL)`);
    return configured;
  }
  const pgliteDir = join(dataDir, "pglite");
  supervise(
    startSupervised({
      name: "postgres",
      command: process.execPath,
      // Liftoff only: PostgreSQL's WebAssembly stays in V8's baseline code instead of also being
      // compiled by the optimising tier, about 100 MB less for a slower but still local database.
      args: [
        ...NODE_MEMORY_FLAGS,
        "--liftoff-only",
        "--import",
        "tsx",
        join(ROOT, "scripts", "dev-stack", "embedded-postgres.ts"),
        pgliteDir,
        String(embeddedPort),
      ],
      graceMs: 10_000,
    }),
  );
  await waitForPort(embeddedPort, "the embedded PostgreSQL");
  say(`PostgreSQL: embedded PGlite on 127.0.0.1:${embeddedPort}, data in ${pgliteDir}`);
  return `postgresql://postgres@127.0.0.1:${embeddedPort}/postgres`;
}

async function main(): Promise<void> {
  // A bad value stops here, before anything is started, naming the variable.
  const settings = parseDevSettings(process.env, ROOT);
  const { ports, dataDir } = settings;
  const config = parseConfig(process.env);

  mkdirSync(dataDir, { recursive: true });
  lock = lockDataDir(dataDir);
  const busy = await portsInUse([
    { port: config.port, what: "API, PORT" },
    { port: ports.temporal, what: "Temporal frontend, DEV_TEMPORAL_PORT" },
    { port: ports.temporalUi, what: "Temporal Web UI, DEV_TEMPORAL_UI_PORT" },
    { port: ports.smtp, what: "mail catcher SMTP, DEV_SMTP_PORT" },
    { port: ports.mailUi, what: "mail inbox, DEV_MAIL_UI_PORT" },
    ...(settings.given.databaseUrl
      ? []
      : [{ port: ports.embeddedPostgres, what: "embedded PostgreSQL, EMBEDDED_POSTGRES_PORT" }]),
  ]);
  if (busy.length > 0) {
    throw new Error(
      `cannot start:\n${describePortsInUse(busy)}\nstop what holds it, or move the port with the variable named`,
    );
  }

  // Bundled beside the database and Temporal's start, so the worker need not run webpack itself.
  const workflowBundlePath = join(dataDir, "workflows.bundle.js");
  const bundling = runToEnd(
    process.execPath,
    [
      ...NODE_MEMORY_FLAGS,
      "--import",
      "tsx",
      join(ROOT, "scripts/dev-stack/write-workflow-bundle.ts"),
      workflowBundlePath,
    ],
    process.env,
  );
  const cli = await ensureTemporalCli(say);
  notStopping();
  const databaseUrl = await prepareDatabase(settings);
  notStopping();
  const migrate = await runToEnd(join(BIN, "prisma"), ["migrate", "deploy"], {
    ...process.env,
    DATABASE_URL: databaseUrl,
  });
  notStopping();
  if (migrate.code !== 0) throw new Error(`migrations failed:\n${migrate.output}`);
  say("database migrated");

  const inbox = await startMailInbox({
    smtpPort: ports.smtp,
    webPort: ports.mailUi,
    host: "127.0.0.1",
    directory: join(dataDir, "mail"),
  });
  parts.push({ name: "mail", stop: inbox.stop });
  if (stopping) void inbox.stop();
  notStopping();

  const temporal = await startTemporalDevServer({
    cli,
    port: ports.temporal,
    uiPort: ports.temporalUi,
    dbFile: join(dataDir, "temporal.db"),
    logFile: join(dataDir, "temporal.log"),
    spawnProcess: (command, args) =>
      supervise(
        startSupervised({
          name: "temporal",
          command,
          args,
          graceMs: 10_000,
          quiet: true,
        }),
      ).child,
  });
  notStopping();
  say(`Temporal dev server on ${temporal.address}`);

  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: settings.given.temporalUiUrl ?? `http://127.0.0.1:${ports.temporalUi}`,
    SMTP_URL: settings.given.smtpUrl ?? `smtp://127.0.0.1:${ports.smtp}`,
    HOST: settings.given.host ?? "127.0.0.1",
    WORKFLOW_BUNDLE_PATH: workflowBundlePath,
  };
  const bundled = await bundling;
  if (bundled.code !== 0) throw new Error(`bundling the workflow code failed:\n${bundled.output}`);
  notStopping();
  // The worker drains in-flight activities (an email being sent) before it exits.
  const worker = startNodePart("worker", "worker/main.ts", env, 60_000);
  await worker.ready();
  notStopping();
  const api = startNodePart("api", "api/main.ts", env, 15_000);
  await api.ready();
  notStopping();

  console.log(`
  Nurtureflow is running. Ctrl-C (or SIGTERM) stops everything.

    API            http://127.0.0.1:${config.port}   (docs: /docs, OpenAPI: /openapi.json)
    Temporal UI    http://127.0.0.1:${ports.temporalUi}   (every sequence run, its steps and search attributes)
    Mail inbox     http://127.0.0.1:${ports.mailUi}   (every email the worker sends lands here)
    Dashboard      http://127.0.0.1:${config.port}/dashboard   (six months of demo data: DATABASE_URL=<the database below> npm run demo:data)
    Temporal       ${temporal.address}, namespace ${config.temporalNamespace}
    Database       ${databaseUrl.replace(/\/\/[^@]*@/, "//")}
    Data           ${dataDir}

  Try it:
    curl -s -X POST localhost:${config.port}/v1/contacts -H 'content-type: application/json' \\
      -d '{"email":"ada@example.com","name":"Ada Lovelace","marketingConsent":true}'
    curl -s -X PUT localhost:${config.port}/v1/contacts/<id>/stage -H 'content-type: application/json' \\
      -d '{"stage":"lead"}'
  the welcome email reaches the mail inbox within seconds of the first; the second starts the lead nurture.
`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof StartAborted)) {
    const invalid = error instanceof ConfigError ? "invalid configuration: " : "";
    console.error(`[dev] ${invalid}${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1, "start-up failed");
  }
}
