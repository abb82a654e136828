// Issue 8, PostgreSQL unavailable: on a private PostgreSQL server of this file's own (never the
// machine's shared one), stopped while the API serves and a run waits. Before: requests failed with 500
// (or hung). Now: each answers 503 problem+json at once (Retry-After), nothing of them is written, the
// run's activities are retried by Temporal, and once the database is back both recover without a
// restart: the API accepts writes again and the run's email goes out once.
import { spawnSync } from "node:child_process";
import type { Server } from "node:http";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { createApp } from "../../api/app.ts";
import { type NurtureflowConfig, parseConfig } from "../../domain/config.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { lazyTemporalClient } from "../../worker/temporal-client.ts";
import { startWorkerRuntime, type WorkerRuntime } from "../../worker/worker-runtime.ts";
import { sequenceRunViewQuery } from "../../workflows/sequence-signals.ts";
import { type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres.ts";
import { quietTemporalRuntime } from "../support/quiet-runtime.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { waitUntil } from "../support/wait.ts";

let database: PrivatePostgres;
let sink: SmtpSink;
let store: ContactStore;
let config: NurtureflowConfig;
let server: Server;
let worker: WorkerRuntime;
let baseUrl: string;
let temporal: ReturnType<typeof lazyTemporalClient>;

beforeAll(async () => {
  quietTemporalRuntime();
  database = await startPrivatePostgres();
  const admin = new pg.Client({ connectionString: database.url("postgres") });
  await admin.connect();
  await admin.query("CREATE DATABASE nurtureflow");
  await admin.end();
  const migrate = spawnSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: database.url("nurtureflow") },
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrate deploy failed:\n${migrate.stdout}\n${migrate.stderr}`);

  sink = await startSmtpSink();
  const queue = Math.random().toString(16).slice(2, 10);
  config = parseConfig({
    DATABASE_URL: database.url("nurtureflow"),
    TEMPORAL_ADDRESS: inject("temporalAddress"),
    TEMPORAL_TASK_QUEUE: `db-outage-${queue}`,
    TEMPORAL_EMAIL_TASK_QUEUE: `db-outage-email-${queue}`,
    SMTP_URL: sink.url,
    OUTBOX_POLL_MS: "100",
    SEGMENT_SWEEP_INTERVAL: "off",
  });
  store = openContactStore(config.databaseUrl);
  temporal = lazyTemporalClient(config);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  server = await new Promise((resolve) => {
    const listening = createApp({ config, store, logger }).listen(0, "127.0.0.1", () => resolve(listening));
  });
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  await publishSequenceVersion(store, "pause-then-welcome", {
    key: "pause-then-welcome",
    name: "Welcome after a pause",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "never" } },
    steps: [
      { id: "pause", type: "wait", duration: "3s" },
      { id: "welcome", type: "send_email", template: "welcome" },
    ],
    goals: [],
  });
  worker = await startWorkerRuntime({
    config,
    store,
    logger,
    workflowBundle: { codePath: inject("workflowBundlePath") },
  });
}, 240_000);

afterAll(async () => {
  await worker?.shutdown();
  await temporal?.close();
  await new Promise((resolve) => server?.close(resolve));
  await store?.$disconnect();
  await database?.remove();
  await sink?.stop();
});

/** A request the client gives up on after 2 s: a hanging API fails the test. */
async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(2_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    retryAfter: response.headers.get("retry-after"),
    body: text ? JSON.parse(text) : null,
  };
}

describe("PostgreSQL unavailable", () => {
  test("the API answers 503 problem+json at once, writes nothing, and it and the running program recover by themselves", async () => {
    const created = await call("POST", "/v1/contacts", {
      email: "outage@example.com",
      name: "Olga",
      marketingConsent: true,
    });
    expect(created.status).toBe(201);
    const contactId: string = created.body.id;
    expect((await call("PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" })).status).toBe(200);
    const handle = (await temporal.get()).workflow.getHandle(
      sequenceWorkflowId("pause-then-welcome", contactId, "stage/lead"),
    );
    // The run has read the contact (a local activity, inside its workflow task) and waits on its pause:
    // its next store call is the send, an activity task whose retries Temporal shows.
    await waitUntil(
      async () => (await handle.query(sequenceRunViewQuery).catch(() => null))?.state === "waiting",
      30_000,
      "the run waits on its pause",
    );

    await database.stop();
    const during = [
      await call("POST", "/v1/contacts", { email: "during@example.com", marketingConsent: true }),
      await call("GET", `/v1/contacts/${contactId}`),
      await call("PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" }),
      await call("POST", "/v1/events", {
        type: "page_view",
        contact: { id: contactId },
        occurredAt: new Date().toISOString(),
        idempotencyKey: "during-1",
      }),
    ];
    for (const answer of during) {
      expect(answer).toMatchObject({
        status: 503,
        contentType: expect.stringContaining("application/problem+json"),
        retryAfter: "5",
        body: { status: 503, title: "Service Unavailable" },
      });
    }
    expect((await call("GET", "/healthz")).status).toBe(503);
    // The run's send comes due while the database is down: Temporal retries its activity.
    await waitUntil(
      async () =>
        ((await handle.describe()).raw.pendingActivities ?? []).some(
          (activity) => (activity.attempt ?? 0) >= 2,
        ),
      60_000,
      "an activity retried during the outage",
    );
    expect(sink.messages()).toHaveLength(0);

    await database.start();
    await waitUntil(
      async () =>
        (await call("POST", "/v1/contacts", { email: "after@example.com", marketingConsent: true }))
          .status === 201,
      30_000,
      "the API writes again",
    );
    expect((await call("GET", "/healthz")).body).toMatchObject({ status: "ok" });
    await sink.waitForMessage((m) => m.envelope.to.includes("outage@example.com"), 90_000);
    expect(await handle.result()).toMatchObject({ state: "completed" });

    // Nothing of the refused requests was written.
    expect(await store.contact.count({ where: { email: "during@example.com" } })).toBe(0);
    expect((await store.contact.findUniqueOrThrow({ where: { id: contactId } })).lifecycleStage).toBe("lead");
    expect(await store.event.count({ where: { contactId } })).toBe(0);
    expect(sink.messages().filter((m) => m.envelope.to.includes("outage@example.com"))).toHaveLength(1);
    expect(await store.sendLedger.count({ where: { contactId, status: "sent" } })).toBe(1);
  });
});
