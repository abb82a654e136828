// `npm run bench:soak`: a bounded soak of the whole stack on loopback. Its own Temporal dev server,
// database and SMTP sink; the real API and a worker in this process. SOAK_CLIENTS concurrent clients
// (default 4) create contacts, post events (batches, each with its idempotency key) and change stages
// for SOAK_DURATION (default 3m); then the pipeline is drained and the counts in the database, in
// Temporal and at the SMTP sink must reconcile exactly, or the run fails (exit code 1).
//
// Programs: `soak-lead` sends one email when a contact enters `lead`; `soak-mql` one email a second
// after it enters `mql`; `cart-recovery` (built-in) starts a run per abandoned cart whose first email
// lies an hour ahead, so it is counted as running. The raw floor, measured in the same run with the
// same clients: GET /healthz (no database write), the ceiling of the request path.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import os from "node:os";
import { join } from "node:path";
import pino from "pino";
import { publishSequenceVersion } from "../activities/sequences/sequence-catalog.ts";
import { createApp } from "../api/app.ts";
import { parseConfig } from "../domain/config.ts";
import { BUILT_IN_SEQUENCES } from "../domain/sequences/built-in-sequences.ts";
import type { SequenceDefinition } from "../domain/sequences/definition.ts";
import { durationMs, parseDuration } from "../domain/sequences/duration.ts";
import { openContactStore } from "../prisma/client.ts";
import { ensureTemporalCli } from "../scripts/temporal-cli.ts";
import { startTemporalDevServer } from "../scripts/temporal-dev-server.ts";
import { freePort } from "../test/support/free-port.ts";
import { startSmtpSink } from "../test/support/smtp-sink.ts";
import { lazyTemporalClient } from "../worker/temporal-client.ts";
import { startWorkerRuntime } from "../worker/worker-runtime.ts";
import { bundleWorkflows } from "../worker/workflow-bundle.ts";
import { createBenchDatabase } from "./bench-database.ts";
import { call } from "./pipeline-stack.ts";

const DURATION = process.env.SOAK_DURATION ?? "3m";
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 4);
const EVENTS_PER_BATCH = 5;
const FLOOR_MS = 5_000;
const DRAIN_TIMEOUT_MS = 5 * 60_000;

if (parseDuration(DURATION) === null)
  throw new Error(`SOAK_DURATION must be a duration such as 3m, not ${DURATION}`);

const oneEmail = (key: string, stage: "lead" | "mql", pause: string | null): SequenceDefinition => ({
  key,
  name: `Soak: one email on entering ${stage}`,
  category: "marketing",
  trigger: { type: "stage_entered", stage },
  entry: { reEntry: { mode: "never" } },
  steps: [
    ...(pause ? [{ id: "pause", type: "wait" as const, duration: pause }] : []),
    { id: "email", type: "send_email" as const, template: "welcome" },
  ],
  goals: [],
});

interface Tally {
  contacts: number;
  events: number;
  carts: number;
  leads: number;
  mqls: number;
  requests: number;
  failures: string[];
}

/** One client: contact, a batch of events (an abandoned cart among them), lead, then (every other) mql. */
async function client(base: string, until: number, tally: Tally): Promise<void> {
  for (let round = 0; Date.now() < until; round++) {
    const email = `soak-${randomUUID()}@example.com`;
    const created = await call(base, "POST", "/v1/contacts", { email, marketingConsent: true });
    tally.requests += 1;
    if (created.status !== 201) {
      tally.failures.push(`contact ${created.status}`);
      continue;
    }
    tally.contacts += 1;
    const id = created.body?.id as string;
    const cartId = randomUUID();
    const events = Array.from({ length: EVENTS_PER_BATCH }, (_, index) => ({
      type: index === EVENTS_PER_BATCH - 1 ? "cart_abandoned" : "page_view",
      contact: { id },
      occurredAt: new Date().toISOString(),
      idempotencyKey: `${id}-${index}`,
      properties: index === EVENTS_PER_BATCH - 1 ? { cartId, value: 42 } : { path: `/p/${index}` },
    }));
    const posted = await call(base, "POST", "/v1/events", { events });
    tally.requests += 1;
    if (posted.status === 200) {
      tally.events += EVENTS_PER_BATCH;
      tally.carts += 1;
    } else tally.failures.push(`events ${posted.status}`);
    const lead = await call(base, "PUT", `/v1/contacts/${id}/stage`, { stage: "lead" });
    tally.requests += 1;
    if (lead.status === 200) tally.leads += 1;
    else tally.failures.push(`lead ${lead.status}`);
    if (round % 2 === 1) {
      const mql = await call(base, "PUT", `/v1/contacts/${id}/stage`, { stage: "mql" });
      tally.requests += 1;
      if (mql.status === 200) tally.mqls += 1;
      else tally.failures.push(`mql ${mql.status}`);
    }
  }
}

async function floor(base: string): Promise<number> {
  let answered = 0;
  const until = Date.now() + FLOOR_MS;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await (await fetch(`${base}/healthz`)).arrayBuffer();
        answered += 1;
      }
    }),
  );
  return answered / (FLOOR_MS / 1000);
}

async function main(): Promise<void> {
  const load = os.loadavg();
  const scratch = mkdtempSync(join(os.tmpdir(), "nurtureflow-soak-"));
  const temporalServer = await startTemporalDevServer({
    cli: await ensureTemporalCli(),
    port: await freePort(),
    logFile: join(scratch, "temporal.log"),
  });
  const database = await createBenchDatabase("soak");
  const sink = await startSmtpSink();
  const config = parseConfig({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    SMTP_URL: sink.url,
    OUTBOX_POLL_MS: "100",
    SEGMENT_SWEEP_INTERVAL: "off",
    LOG_LEVEL: "error",
  });
  const logger = pino({ level: "error" });
  const store = openContactStore(config.databaseUrl);
  const temporal = lazyTemporalClient(config);
  let server: Server | null = null;
  const stopWorker: Array<() => Promise<void>> = [];
  try {
    await publishSequenceVersion(store, "soak-lead", oneEmail("soak-lead", "lead", null));
    await publishSequenceVersion(store, "soak-mql", oneEmail("soak-mql", "mql", "1s"));
    await publishSequenceVersion(
      store,
      "cart-recovery",
      BUILT_IN_SEQUENCES["cart-recovery"] as SequenceDefinition,
    );
    const worker = await startWorkerRuntime({
      config,
      store,
      logger,
      workflowBundle: await bundleWorkflows(),
    });
    stopWorker.push(() => worker.shutdown());
    const listening: Server = await new Promise((resolve) => {
      const started = createApp({ config, store, logger }).listen(0, "127.0.0.1", () => resolve(started));
    });
    server = listening;
    const address = listening.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    const floorRate = await floor(base);
    const tally: Tally = { contacts: 0, events: 0, carts: 0, leads: 0, mqls: 0, requests: 0, failures: [] };
    const started = Date.now();
    const until = started + durationMs(DURATION);
    await Promise.all(Array.from({ length: CLIENTS }, () => client(base, until, tally)));
    const loadSeconds = (Date.now() - started) / 1000;

    // Drain: every outbox row delivered, every email recorded sent and received, every one-email run closed.
    const expectedEmails = tally.leads + tally.mqls;
    const drainStart = Date.now();
    for (;;) {
      const [pending, sent] = await Promise.all([
        store.outbox.count({ where: { dispatchedAt: null } }),
        store.sendLedger.count({ where: { status: "sent" } }),
      ]);
      if (pending === 0 && sent >= expectedEmails && sink.messages().length >= expectedEmails) break;
      if (Date.now() - drainStart > DRAIN_TIMEOUT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const client_ = await temporal.get();
    const runs = async (query: string) => (await client_.workflow.count(query)).count;
    // A run closes just after its email is recorded, and Temporal's visibility lags a little behind.
    const oneEmailRuns = `(NfSequence = "soak-lead" OR NfSequence = "soak-mql") AND ExecutionStatus = "Completed"`;
    while ((await runs(oneEmailRuns)) < expectedEmails && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const db = {
      contacts: await store.contact.count(),
      events: await store.event.count(),
      outboxUndelivered: await store.outbox.count({ where: { dispatchedAt: null } }),
      outboxParked: await store.outbox.count({ where: { parkedAt: { not: null } } }),
      enrollments: Object.fromEntries(
        await Promise.all(
          ["soak-lead", "soak-mql", "cart-recovery"].map(async (key) => [
            key,
            await store.enrollment.count({ where: { sequenceKey: key } }),
          ]),
        ),
      ),
      sent: await store.sendLedger.count({ where: { status: "sent" } }),
      ledger: await store.sendLedger.count(),
    };
    const temporalCounts = {
      "soak-lead completed": await runs(`NfSequence = "soak-lead" AND ExecutionStatus = "Completed"`),
      "soak-mql completed": await runs(`NfSequence = "soak-mql" AND ExecutionStatus = "Completed"`),
      "cart-recovery running": await runs(`NfSequence = "cart-recovery" AND ExecutionStatus = "Running"`),
      all: await runs(""),
    };
    const messages = sink.messages();
    const smtp = {
      messages: messages.length,
      distinctMessageIds: new Set(messages.map((m) => m.messageId)).size,
    };

    const checks: Array<[string, number, number]> = [
      ["contacts in the database = contacts acknowledged", db.contacts, tally.contacts],
      ["events in the database = events acknowledged", db.events, tally.events],
      ["outbox rows undelivered", db.outboxUndelivered, 0],
      ["outbox rows parked", db.outboxParked, 0],
      ["soak-lead enrollments = lead changes acknowledged", db.enrollments["soak-lead"] ?? -1, tally.leads],
      ["soak-mql enrollments = mql changes acknowledged", db.enrollments["soak-mql"] ?? -1, tally.mqls],
      ["cart-recovery enrollments = carts acknowledged", db.enrollments["cart-recovery"] ?? -1, tally.carts],
      ["Temporal: soak-lead runs completed", temporalCounts["soak-lead completed"], tally.leads],
      ["Temporal: soak-mql runs completed", temporalCounts["soak-mql completed"], tally.mqls],
      ["Temporal: cart-recovery runs running", temporalCounts["cart-recovery running"], tally.carts],
      [
        "Temporal: runs in all, none besides these",
        temporalCounts.all,
        tally.leads + tally.mqls + tally.carts,
      ],
      ["send ledger rows = emails expected", db.ledger, expectedEmails],
      ["send ledger sent = emails expected", db.sent, expectedEmails],
      ["SMTP sink messages = emails expected", smtp.messages, expectedEmails],
      ["SMTP sink distinct Message-IDs = emails expected", smtp.distinctMessageIds, expectedEmails],
    ];
    const failed = checks.filter(([, actual, expected]) => actual !== expected);
    const cpu = os.cpus();
    const report = [
      `soak: ${DURATION} of load, ${CLIENTS} concurrent clients, loopback only`,
      `machine: ${cpu[0]?.model ?? "?"}, ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${os.type()} ${os.release()}`,
      `load average before (1/5/15 min): ${load.map((value) => value.toFixed(2)).join(" / ")}; after: ${os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(" / ")}`,
      `raw floor: GET /healthz ${floorRate.toFixed(0)} requests/s with ${CLIENTS} clients`,
      `load: ${tally.requests} requests in ${loadSeconds.toFixed(1)} s (${(tally.requests / loadSeconds).toFixed(1)}/s), ${tally.contacts} contacts, ${tally.events} events, ${tally.leads} lead and ${tally.mqls} mql changes; refused: ${tally.failures.length}${tally.failures.length ? ` (${[...new Set(tally.failures)].join(", ")})` : ""}`,
      `drained in ${drainSeconds.toFixed(1)} s after the load stopped`,
      ...checks.map(
        ([what, actual, expected]) =>
          `${actual === expected ? "ok  " : "FAIL"} ${what}: ${actual} (expected ${expected})`,
      ),
      failed.length === 0
        ? "reconciled: every count matches"
        : `NOT reconciled: ${failed.length} counts differ`,
    ];
    console.log(report.join("\n"));
    if (failed.length > 0 || tally.failures.length > 0) process.exitCode = 1;
  } finally {
    for (const stop of stopWorker) await stop();
    if (server) await new Promise((resolve) => server?.close(resolve));
    await temporal.close();
    await store.$disconnect();
    await database.drop();
    await sink.stop();
    await temporalServer.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
process.exit(process.exitCode ?? 0);
