// Starts test/support/worker-process.ts as a child process with a test stack's configuration: for tests
// that kill the worker, or that keep a signal storm from this process apart from the worker's threads.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import type { TestStack } from "./test-stack.ts";

const WORKER_ENTRY = fileURLToPath(new URL("./worker-process.ts", import.meta.url));

/** Resolves once the worker polls; `children` holds it until it exits, for the test's cleanup. */
export function startWorkerProcess(stack: TestStack, children: Set<ChildProcess>): Promise<ChildProcess> {
  const { config } = stack;
  // node itself with tsx's loader, not the tsx CLI: that would run the worker in a grandchild process,
  // which a SIGKILL of its parent leaves running.
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_ENTRY], {
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporalAddress,
      TEMPORAL_TASK_QUEUE: config.taskQueue,
      TEMPORAL_EMAIL_TASK_QUEUE: config.emailTaskQueue,
      SMTP_URL: config.smtpUrl,
      PUBLIC_URL: config.publicUrl,
      OUTBOX_POLL_MS: String(config.outboxPollMs),
      SEGMENT_SWEEP_INTERVAL: "off",
      LOG_LEVEL: "warn",
      WORKFLOW_BUNDLE_PATH: inject("workflowBundlePath"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("worker ready")) resolve(child);
    });
  });
}
