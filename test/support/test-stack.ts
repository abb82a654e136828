// A whole Nurtureflow stack for one test file: its own database (copied from the migrated template),
// its own task queues on the shared Temporal dev server, the real API on a free port, and a worker.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { Client } from "@temporalio/client";
import pino from "pino";
import { inject } from "vitest";
import { createApp } from "../../api/app.ts";
import { type NurtureflowConfig, parseConfig } from "../../domain/config.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { lazyTemporalClient } from "../../worker/temporal-client.ts";
import { startWorkerRuntime, type WorkerRuntime } from "../../worker/worker-runtime.ts";
import { createDatabaseFromTemplate } from "./postgres.ts";
import { quietTemporalRuntime } from "./quiet-runtime.ts";

export interface TestStack {
  config: NurtureflowConfig;
  /** A client of the stack's Temporal server, connected on first use and closed by stop(). */
  temporal(): Promise<Client>;
  store: ContactStore;
  baseUrl: string;
  worker: WorkerRuntime | null;
  startWorker(): Promise<WorkerRuntime>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestStack(options: {
  smtpUrl: string;
  env?: Record<string, string>;
}): Promise<TestStack> {
  quietTemporalRuntime();
  const databaseUrl = await createDatabaseFromTemplate(inject("templateDatabase"));
  const queue = randomBytes(4).toString("hex");
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
  const store = openContactStore(databaseUrl);

  // The API signals running enrollments (pause, resume, cancel), so it talks to the same Temporal server.
  const baseConfig = parseConfig({
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject("temporalAddress"),
    ...options.env,
  });
  const temporalClient = lazyTemporalClient(baseConfig);
  const server: Server = await new Promise((resolve) => {
    const app = createApp({ config: baseConfig, store, logger, temporal: temporalClient.get });
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const config = parseConfig({
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject("temporalAddress"),
    TEMPORAL_TASK_QUEUE: `test-${queue}`,
    TEMPORAL_EMAIL_TASK_QUEUE: `test-email-${queue}`,
    SMTP_URL: options.smtpUrl,
    PUBLIC_URL: baseUrl,
    OUTBOX_POLL_MS: "100",
    // Tests run the segment sweep themselves; a schedule firing mid-test would race their assertions.
    SEGMENT_SWEEP_INTERVAL: "off",
    ...options.env,
  });

  const stack: TestStack = {
    config,
    temporal: temporalClient.get,
    store,
    baseUrl,
    worker: null,
    async startWorker() {
      stack.worker = await startWorkerRuntime({
        config,
        store,
        logger,
        workflowBundle: { codePath: inject("workflowBundlePath") },
      });
      return stack.worker;
    },
    async stopWorker() {
      await stack.worker?.shutdown();
      stack.worker = null;
    },
    async stop() {
      await stack.stopWorker();
      await temporalClient.close();
      await new Promise((resolve) => server.close(resolve));
      await store.$disconnect();
    },
  };
  return stack;
}

/** JSON over HTTP against the test API. */
export async function api(
  stack: TestStack,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; contentType: string; body: any }> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body: text ? JSON.parse(text) : null,
  };
}
