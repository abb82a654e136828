// The segment sweep over 1,000,000 contacts that are all due, through the real Temporal workflow
// (its own dev server, an in-process worker): wall time and peak memory of the worker process and of
// the Temporal server. Contacts are inserted with generate_series, silent for 0 to 199 days.
import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, Runtime } from "@temporalio/worker";
import pg from "pg";
import pino from "pino";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { ensureTemporalCli } from "../scripts/temporal-cli.ts";
import { startTemporalDevServer } from "../scripts/temporal-dev-server.ts";
import { freePort } from "../test/support/free-port.ts";
import { startWorkerRuntime } from "../worker/worker-runtime.ts";
import type { SweepTotals, segmentSweepWorkflow } from "../workflows/segment-sweep-workflow.ts";
import { createBenchDatabase, peakRssMiB } from "./bench-database.ts";

const CONTACTS = Number(process.env.BENCH_SWEEP_CONTACTS ?? 1_000_000);

export interface SweepBenchResult {
  contacts: number;
  insertSeconds: number;
  sweepSeconds: number;
  contactsPerSecond: number;
  totals: SweepTotals;
  /** High-water mark of the benchmark process before the sweep started (after bundling). */
  startupPeakRssMiB: number;
  /** High-water mark after the sweep: above startupPeakRssMiB only if the sweep itself needed more. */
  workerPeakRssMiB: number;
  workerRssAfterSweepMiB: number;
  temporalServerPeakRssMiB: number;
}

export async function runSegmentSweepBench(): Promise<SweepBenchResult> {
  Runtime.install({ logger: new DefaultLogger("WARN") });
  const database = await createBenchDatabase("sweep");
  const cli = await ensureTemporalCli(() => {});
  const server = await startTemporalDevServer({ cli, port: await freePort() });
  const store = openContactStore(database.url);
  try {
    const insertStarted = performance.now();
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    // Half leads, silent for i % 200 days: about 70% are due to move to at_risk or lost.
    await sql.query(
      `INSERT INTO "Contact" (id, email, "lifecycleStage", segment, "createdAt", "updatedAt", "lastActivityAt", "segmentCheckAt")
       SELECT gen_random_uuid(), 'c' || i || '@bench.test', CASE WHEN i % 2 = 0 THEN 'lead' ELSE 'subscriber' END,
         CASE WHEN i % 2 = 0 THEN 'lead' ELSE 'new' END, now() - interval '400 days', now(),
         now() - (i % 200) * interval '1 day', now() - interval '1 second'
       FROM generate_series(1, $1) AS i`,
      [CONTACTS],
    );
    await sql.query(`ANALYZE "Contact"`);
    await sql.end();
    const insertSeconds = (performance.now() - insertStarted) / 1000;

    const config = parseConfig({
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: "bench-sweep",
      SEGMENT_SWEEP_INTERVAL: "off",
    });
    const runtime = await startWorkerRuntime({
      config,
      store,
      logger: pino({ level: "warn" }),
      dispatchOutbox: false,
    });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    // Start-up (bundling the workflow code with webpack) has its own peak: the sweep's must be told apart.
    const startupPeakRssMiB = await peakRssMiB();
    const started = performance.now();
    const totals = await client.workflow.execute<typeof segmentSweepWorkflow>("segmentSweepWorkflow", {
      taskQueue: config.taskQueue,
      workflowId: "bench-segment-sweep",
      args: [{}],
    });
    const sweepSeconds = (performance.now() - started) / 1000;
    const result = {
      contacts: CONTACTS,
      insertSeconds,
      sweepSeconds,
      contactsPerSecond: Math.round(totals.processed / sweepSeconds),
      totals,
      startupPeakRssMiB,
      workerPeakRssMiB: await peakRssMiB(),
      workerRssAfterSweepMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      temporalServerPeakRssMiB: await peakRssMiB(server.process.pid as number),
    };
    await client.connection.close();
    await runtime.shutdown();
    return result;
  } finally {
    await store.$disconnect();
    await server.stop();
    await database.drop();
  }
}
