// Workers and API servers in processes of their own, on a test stack's database, task queues and
// Temporal server: for tests that SIGKILL them or run several side by side. Each is node itself with
// tsx's loader (not the tsx CLI, which would run the program in a grandchild that a SIGKILL of its
// parent leaves running). Their output is kept, for tests that read what each one logged.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { TestStack } from "./test-stack.ts";

const WORKER_ENTRY = fileURLToPath(new URL("./worker-process.ts", import.meta.url));
const API_ENTRY = fileURLToPath(new URL("../../api/main.ts", import.meta.url));

export interface ChildRun {
  child: ChildProcess;
  /** Everything it wrote to stdout so far. */
  output(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

const running = new Set<ChildRun>();

function stackEnvironment(stack: TestStack): Record<string, string> {
  const { config } = stack;
  return {
    DATABASE_URL: config.databaseUrl,
    TEMPORAL_ADDRESS: config.temporalAddress,
    TEMPORAL_TASK_QUEUE: config.taskQueue,
    TEMPORAL_EMAIL_TASK_QUEUE: config.emailTaskQueue,
    SMTP_URL: config.smtpUrl,
    PUBLIC_URL: config.publicUrl,
    OUTBOX_POLL_MS: String(config.outboxPollMs),
    SEGMENT_SWEEP_INTERVAL: "off",
    LOG_LEVEL: "warn",
  };
}

function startChild(entry: string, env: Record<string, string>, ready: string): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const run: ChildRun = {
    child,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${entry} exited (${code}) before it was ready`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve(run);
    });
  });
}

/** A worker (sequence and email workers, outbox dispatcher); resolves once it polls. */
export function startWorkerProcess(stack: TestStack, env: Record<string, string> = {}): Promise<ChildRun> {
  return startChild(
    WORKER_ENTRY,
    { ...stackEnvironment(stack), WORKFLOW_BUNDLE_PATH: inject("workflowBundlePath"), ...env },
    "worker ready",
  );
}

/** `npm run api`'s entry point on 127.0.0.1:port; resolves once it listens. */
export function startApiProcess(stack: TestStack, port: number): Promise<ChildRun> {
  return startChild(
    API_ENTRY,
    { ...stackEnvironment(stack), PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info" },
    "API listening",
  );
}

/** SIGKILLs every child still running (for afterAll). */
export async function killChildren(): Promise<void> {
  await Promise.all([...running].map((run) => run.kill()));
}
