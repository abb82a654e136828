// The whole pipeline for the engine benchmarks, as a user runs it: the API (in this process, on a
// port, spoken to over HTTP), one worker in its own process (`npm run worker`'s runtime, so its memory
// is its own), a Temporal dev server with a file-backed store (so its size can be read), a scratch
// PostgreSQL database, and an SMTP sink that keeps only when each recipient's first message arrived.
// Beside it, the floors: a no-op workflow worker on the same Temporal server and raw pooled nodemailer
// sends to the same sink.

import { type ChildProcess, spawn } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Client, Connection } from "@temporalio/client";
import { bundleWorkflowCode, NativeConnection, Worker } from "@temporalio/worker";
import pino from "pino";
import { createSmtpTransport } from "../activities/email/smtp-transport.ts";
import { publishSequenceVersion } from "../activities/sequences/sequence-catalog.ts";
import { createApp } from "../api/app.ts";
import { type NurtureflowConfig, parseConfig } from "../domain/config.ts";
import { BUILT_IN_SEQUENCES } from "../domain/sequences/built-in-sequences.ts";
import { type ContactStore, openContactStore } from "../prisma/client.ts";
import { ensureTemporalCli } from "../scripts/temporal-cli.ts";
import { type DevServer, startTemporalDevServer } from "../scripts/temporal-dev-server.ts";
import { freePort } from "../test/support/free-port.ts";
import { quietTemporalRuntime } from "../test/support/quiet-runtime.ts";
import { bundleWorkflows } from "../worker/workflow-bundle.ts";
import { type ArrivalSink, startArrivalSink } from "./arrival-sink.ts";
import { type BenchDatabase, createBenchDatabase } from "./bench-database.ts";
import { runConcurrently } from "./bench-report.ts";

/** Parks on a long wait; a stage change to `customer` (its goal) ends it. */
export const SLEEPER_SEQUENCE = "bench-sleeper";
const NOOP_QUEUE = "bench-noop";

export interface PipelineStack {
  config: NurtureflowConfig;
  store: ContactStore;
  baseUrl: string;
  sink: ArrivalSink;
  temporal: Client;
  temporalCli: string;
  workerPid: number;
  temporalPid: number;
  /** Bytes of the Temporal dev server's SQLite store (with its write-ahead log). */
  temporalStoreBytes(): number;
  /** `count` no-op workflows through the same server, `concurrency` in flight: seconds. */
  noopWorkflows(count: number, concurrency: number): Promise<number>;
  /** `count` raw pooled nodemailer sends to the same sink, as many connections as the worker: seconds. */
  rawSends(count: number, concurrency: number): Promise<number>;
  /** CPU seconds each part has used so far; differences of two readings are what a stretch cost. */
  cpuSeconds(): Promise<CpuReading>;
  /**
   * Resolves once the worker and the Temporal server were both quiet for a second (under 5% of a core
   * each), or after `timeoutMs`: a run's trailing work (runs arming their next wait, the dispatcher's
   * segment rows) would otherwise share the machine with whatever is measured next, a floor included.
   */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** CPU seconds per part: figures the other work on a shared machine moves far less than times. */
export interface CpuReading {
  worker: number;
  temporal: number;
  /** This process: the API and the benchmark's own clients. */
  benchmark: number;
  /** The PostgreSQL backends serving the benchmark database now (one that closed meanwhile is missed). */
  postgres: Map<number, number>;
}

/** user + system time of a process, from /proc (clock ticks of 1/100 s on Linux). */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds between two readings, per part. */
export function cpuUsed(from: CpuReading, to: CpuReading) {
  let postgres = 0;
  for (const [pid, seconds] of to.postgres) postgres += seconds - (from.postgres.get(pid) ?? 0);
  return {
    worker: to.worker - from.worker,
    temporal: to.temporal - from.temporal,
    benchmark: to.benchmark - from.benchmark,
    postgres,
  };
}

/** The memory settings `npm run worker` starts its process with: its variables and its Node.js flags. */
function workerMemorySettings(): { env: Record<string, string>; flags: string[] } {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const script: string = manifest.scripts.worker;
  const env = Object.fromEntries(
    [...script.matchAll(/\b([A-Z_]+)=(\S+)/g)].map(([, name, value]) => [name, value]),
  );
  return { env, flags: script.match(/--max-old-space-size=\d+/g) ?? [] };
}

/** The worker's log goes to `logFile`; start-up ends with its "worker ready" line. */
function spawnWorker(env: Record<string, string>, logFile: string): Promise<ChildProcess> {
  const entry = fileURLToPath(new URL("../test/support/worker-process.ts", import.meta.url));
  const memory = workerMemorySettings();
  const child = spawn(process.execPath, [...memory.flags, "--import", "tsx", entry], {
    env: { ...process.env, ...memory.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = createWriteStream(logFile);
  child.stderr?.pipe(log);
  return new Promise((resolve, reject) => {
    let output = "";
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) during start-up: ${output}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("worker ready")) {
        child.removeAllListeners("exit");
        child.stdout?.removeAllListeners("data");
        child.stdout?.pipe(log);
        resolve(child);
      }
    });
  });
}

export async function startPipelineStack(
  label: string,
  env: Record<string, string> = {},
): Promise<PipelineStack> {
  quietTemporalRuntime();
  // On tmpfs where there is one: the dev server's SQLite store then costs no disk flushes, as in memory.
  const scratch = mkdtempSync(
    join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), `nurtureflow-bench-${label}-`),
  );
  const temporalCli = await ensureTemporalCli(() => {});
  const dbFile = join(scratch, "temporal.sqlite");
  const [server, database, sink, bundle]: [DevServer, BenchDatabase, ArrivalSink, { code: string }] =
    await Promise.all([
      freePort().then((port) => startTemporalDevServer({ cli: temporalCli, port, dbFile })),
      createBenchDatabase(label),
      startArrivalSink(),
      bundleWorkflows(),
    ]);
  const bundlePath = join(scratch, "workflow-bundle.js");
  writeFileSync(bundlePath, bundle.code);
  const store = openContactStore(database.url);
  const welcome = BUILT_IN_SEQUENCES.welcome;
  if (!welcome) throw new Error("no built-in welcome sequence");
  await publishSequenceVersion(store, "welcome", welcome);
  await publishSequenceVersion(store, SLEEPER_SEQUENCE, {
    key: SLEEPER_SEQUENCE,
    name: "Benchmark: parked on a 30-day wait until the goal",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "mql" },
    entry: { reEntry: { mode: "never" } },
    steps: [
      { id: "long-wait", type: "wait", duration: "30d" },
      { id: "send-note", type: "send_email", template: "nurture-mql" },
    ],
    goals: [{ type: "stage_reached", stage: "customer" }],
  });

  const env0 = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: server.address,
    SMTP_URL: sink.url,
    SEGMENT_SWEEP_INTERVAL: "off",
    LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? "warn",
    ...env,
  };
  const apiConfig = parseConfig(env0);
  const http: Server = await new Promise((resolve) => {
    const listening = createApp({ config: apiConfig, store, logger: pino({ level: "warn" }) }).listen(
      0,
      "127.0.0.1",
      () => resolve(listening),
    );
  });
  const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const config = parseConfig({ ...env0, PUBLIC_URL: baseUrl });
  // Kept after the run (outside the scratch folder), for reading what the worker said.
  const workerLog = join(tmpdir(), `nurtureflow-bench-worker-${process.pid}.log`);
  const worker = await spawnWorker(
    { ...env0, PUBLIC_URL: baseUrl, WORKFLOW_BUNDLE_PATH: bundlePath },
    workerLog,
  );
  console.log(`worker log: ${workerLog}`);

  const temporal = new Client({ connection: await Connection.connect({ address: server.address }) });
  const noopConnection = await NativeConnection.connect({ address: server.address });
  const noopWorker = await Worker.create({
    connection: noopConnection,
    taskQueue: NOOP_QUEUE,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL("./noop-workflow.ts", import.meta.url)),
    }),
  });
  const noopRunning = noopWorker.run();
  const transport = createSmtpTransport({
    smtpUrl: sink.url,
    pool: true,
    maxConnections: config.smtpMaxConnections,
  });
  let noopRound = 0;
  let rawIndex = 0;

  return {
    config,
    store,
    baseUrl,
    sink,
    temporal,
    temporalCli,
    workerPid: worker.pid as number,
    temporalPid: server.process.pid as number,
    temporalStoreBytes() {
      return ["", "-wal"].reduce((sum, suffix) => {
        try {
          return sum + statSync(`${dbFile}${suffix}`).size;
        } catch {
          return sum;
        }
      }, 0);
    },
    noopWorkflows(count, concurrency) {
      const round = noopRound++;
      return runConcurrently(count, concurrency, (index) =>
        temporal.workflow.execute("benchNoopWorkflow", {
          taskQueue: NOOP_QUEUE,
          workflowId: `bench-noop-${round}-${index}`,
        }),
      );
    },
    rawSends(count, concurrency) {
      return runConcurrently(count, concurrency, () =>
        transport.sendMail({
          from: config.mailFrom,
          to: `raw${rawIndex++}@floor.bench`,
          subject: "Welcome",
          html: "<p>Hello</p>",
          text: "Hello",
        }),
      );
    },
    async cpuSeconds() {
      const backends = await store.$queryRaw<Array<{ pid: number }>>`
        SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
      const own = process.cpuUsage();
      return {
        worker: processCpuSeconds(worker.pid as number),
        temporal: processCpuSeconds(server.process.pid as number),
        benchmark: (own.user + own.system) / 1e6,
        postgres: new Map(backends.map(({ pid }) => [pid, processCpuSeconds(pid)])),
      };
    },
    async settle(timeoutMs = 60_000) {
      const deadline = performance.now() + timeoutMs;
      const busy = () =>
        processCpuSeconds(worker.pid as number) + processCpuSeconds(server.process.pid as number);
      let before = busy();
      while (performance.now() < deadline) {
        await sleep(1_000);
        const now = busy();
        if (now - before < 0.1) return;
        before = now;
      }
    },
    async stop() {
      transport.close();
      noopWorker.shutdown();
      await noopRunning;
      await noopConnection.close();
      await temporal.connection.close();
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (worker.exitCode === null) worker.kill("SIGKILL");
      await new Promise((resolve) => http.close(resolve));
      await store.$disconnect();
      await server.stop();
      await sink.stop();
      await database.drop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Resident memory of a process now (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** JSON over HTTP; returns the status and the parsed body. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: { id?: string } | null }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
