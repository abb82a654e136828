// Issue 13: `npm run dev` is a supervisor. SIGTERM or SIGINT sent to npm stops the whole stack in order
// (API, worker, Temporal, mail catcher, database), leaving no process and no port behind; a second start
// on the same data directory or the same ports fails at once, naming what is in the way.
// The stack runs on free ports with a private data directory and a copy of the test database (PGlite's
// start-up and migration would make this slow; the embedded path is checked by hand, see the report).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { freePort } from "../support/free-port.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";
import { portIsFree, processesWithMarker } from "../support/stack-processes.ts";
import { waitUntil } from "../support/wait.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MARKER = "NURTUREFLOW_DEV_STACK_TEST";

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | string>;
}

function npmRunDev(env: NodeJS.ProcessEnv): Run {
  const child = spawn("npm", ["run", "dev"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code ?? 0)),
  );
  return { child, output: () => output, exit };
}

const ready = (run: Run) =>
  waitUntil(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`npm run dev exited:\n${run.output()}`);
      return run.output().includes("Nurtureflow is running");
    },
    120_000,
    "the dev stack running",
  );

let ports: Record<string, number>;
let databaseUrl: string;
const dataDirs: string[] = [];
const started: Run[] = [];

function stackEnv(dataDir: string, marker: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    [MARKER]: marker,
    NURTUREFLOW_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    TEMPORAL_CLI: inject("temporalCli"),
    PORT: String(ports.PORT),
    DEV_TEMPORAL_PORT: String(ports.DEV_TEMPORAL_PORT),
    DEV_TEMPORAL_UI_PORT: String(ports.DEV_TEMPORAL_UI_PORT),
    DEV_SMTP_PORT: String(ports.DEV_SMTP_PORT),
    DEV_MAIL_UI_PORT: String(ports.DEV_MAIL_UI_PORT),
    SEGMENT_SWEEP_INTERVAL: "off",
    LOG_LEVEL: "warn",
  };
}

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "nf-dev-stack-"));
  dataDirs.push(dir);
  return dir;
}

async function startStack(dataDir: string, marker: string): Promise<Run> {
  const run = npmRunDev(stackEnv(dataDir, marker));
  started.push(run);
  await ready(run);
  const health = await fetch(`http://127.0.0.1:${ports.PORT}/healthz`);
  expect(health.status).toBe(200);
  return run;
}

/** After the signal: within 15 s every port is free and no process of the stack is left. */
async function expectAllGone(run: Run, marker: string): Promise<void> {
  const code = await run.exit;
  expect(code, run.output()).toBe(0);
  await waitUntil(
    async () => {
      const free = await Promise.all(Object.values(ports).map(portIsFree));
      return free.every(Boolean) && processesWithMarker(MARKER, marker).length === 0;
    },
    15_000,
    "every port free and no process of the stack left",
  );
}

/** The supervisor reports each part as it stops: API first, database-side parts last. */
function stopOrder(output: string): string[] {
  return [...output.matchAll(/^\[dev\] (\w+) stopped$/gm)].map((match) => match[1] as string);
}

beforeAll(async () => {
  databaseUrl = await createDatabaseFromTemplate(inject("templateDatabase"));
  const names = ["PORT", "DEV_TEMPORAL_PORT", "DEV_TEMPORAL_UI_PORT", "DEV_SMTP_PORT", "DEV_MAIL_UI_PORT"];
  ports = {};
  for (const name of names) ports[name] = await freePort();
});

afterAll(async () => {
  for (const run of started) if (run.child.exitCode === null) run.child.kill("SIGKILL");
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm run dev as a supervisor", () => {
  test("SIGTERM to npm stops everything in order; a second start fails fast naming what is in use", async () => {
    const marker = randomBytes(6).toString("hex");
    const dataDir = freshDataDir();
    const run = await startStack(dataDir, marker);
    expect(processesWithMarker(MARKER, marker).length).toBeGreaterThanOrEqual(5);

    const sameDir = npmRunDev(stackEnv(dataDir, randomBytes(6).toString("hex")));
    expect(await sameDir.exit).not.toBe(0);
    expect(sameDir.output()).toContain(`the data directory ${dataDir} is in use`);

    const samePorts = npmRunDev(stackEnv(freshDataDir(), randomBytes(6).toString("hex")));
    expect(await samePorts.exit).not.toBe(0);
    expect(samePorts.output()).toContain(`port ${ports.PORT} (API, PORT) is already in use by pid`);
    expect(samePorts.output()).toContain(`port ${ports.DEV_TEMPORAL_PORT} (Temporal frontend`);

    const signalled = Date.now();
    run.child.kill("SIGTERM");
    await expectAllGone(run, marker);
    expect(Date.now() - signalled, run.output()).toBeLessThan(15_000);
    expect(stopOrder(run.output())).toEqual(["api", "worker", "temporal", "mail"]);
  }, 240_000);

  test("SIGINT to npm stops everything too, and the stack starts again on the same data directory", async () => {
    const marker = randomBytes(6).toString("hex");
    const run = await startStack(dataDirs[0] as string, marker);
    const signalled = Date.now();
    run.child.kill("SIGINT");
    await expectAllGone(run, marker);
    expect(Date.now() - signalled, run.output()).toBeLessThan(15_000);
    expect(stopOrder(run.output())).toEqual(["api", "worker", "temporal", "mail"]);
  }, 240_000);
});
