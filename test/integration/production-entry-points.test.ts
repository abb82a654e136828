// The production image's commands, run exactly as the image runs them: the built code (`npm run
// build`), `node dist/worker/main.js` and `node dist/api/main.js`, NODE_ENV=production, against the
// test run's Temporal server and a database of its own. SIGTERM during a send: the draining worker
// finishes it, a second worker finishes the run, and the email arrives exactly once. Two workers and
// two API processes on one database and one Temporal server share the work and send nothing twice.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { freePort } from "../support/free-port.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle, waitUntil } from "../support/wait.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const API_KEY = "production-entry-points-test-key";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;
let apiUrl: string;
const children = new Set<ChildProcess>();

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts one of the image's commands and resolves when its log shows `ready`. */
function startEntryPoint(entry: string, ready: string, env: Record<string, string>): Promise<Started> {
  const { config } = stack;
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      API_KEYS: API_KEY,
      LINK_SIGNING_SECRET: "a-production-secret-that-is-not-the-default",
      WEBHOOK_SIGNING_SECRET: "a-production-webhook-secret-not-the-default",
      ERASURE_HASH_SECRET: "a-production-erasure-secret-not-the-default",
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporalAddress,
      TEMPORAL_TASK_QUEUE: config.taskQueue,
      TEMPORAL_EMAIL_TASK_QUEUE: config.emailTaskQueue,
      SMTP_URL: config.smtpUrl,
      OUTBOX_POLL_MS: "100",
      SEGMENT_SWEEP_INTERVAL: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve({ child, output: () => output, exited });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    exited.then((code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${output}`)));
  });
}

async function call(method: string, path: string, body?: unknown, base = apiUrl) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  temporal = await stack.temporal();
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await stack?.stop();
  await sink?.stop();
});

test("SIGTERM during a send: the built worker drains it, the email arrives exactly once", async () => {
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const apiProcess = await startEntryPoint("dist/api/main.js", "API listening", {
    PORT: String(port),
    PUBLIC_URL: apiUrl,
  });
  const first = await startEntryPoint("dist/worker/main.js", "workers running", { PUBLIC_URL: apiUrl });
  // The built worker uses the bundle written by the build, not a fresh one.
  expect(first.output()).not.toContain("Workflow bundle created");
  // The worker seeded the built-ins. Contacts made with POST /v1/contacts enter the welcome series for
  // subscribers first: archived here (for both tests) so that the one email per contact these tests
  // count is the welcome for new leads.
  expect((await call("POST", "/v1/sequences/welcome-series/archive")).status).toBe(200);

  const recipient = "sam.production@example.com";
  const held = sink.holdDelivery(recipient);
  const created = await call("POST", "/v1/contacts", { email: recipient, marketingConsent: true });
  expect(created.status).toBe(201);
  const contactId = (created.body as { id: string }).id;
  expect((await call("PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" })).status).toBe(200);

  // The message is on the wire, the server has not answered: now the container is stopped.
  await held.arrived;
  first.child.kill("SIGTERM");
  await waitUntil(async () => first.output().includes("shutting down"));
  held.release();
  expect(await first.exited).toBe(0);

  // Whatever the first worker left (the run's last workflow task) a second one finishes.
  await startEntryPoint("dist/worker/main.js", "workers running", { PUBLIC_URL: apiUrl });
  const handle = temporal.workflow.getHandle(sequenceWorkflowId("welcome", contactId, "stage/lead"));
  expect(await handle.result()).toMatchObject({ state: "completed", emailsSent: 1 });
  await waitUntil(
    async () => (await stack.store.sendLedger.count({ where: { contactId, status: "sent" } })) === 1,
  );
  await settle(1_000);
  expect(sink.messages().filter((message) => message.envelope.to.includes(recipient))).toHaveLength(1);

  apiProcess.child.kill("SIGTERM");
  expect(await apiProcess.exited).toBe(0);
});

test("two built workers and two built API processes share the work, and no email goes twice", async () => {
  // The first test's processes stop first: these four are the only ones serving.
  for (const child of children) child.kill("SIGTERM");
  await waitUntil(async () => children.size === 0);
  const apis: string[] = [];
  for (let index = 0; index < 2; index += 1) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await startEntryPoint("dist/api/main.js", "API listening", { PORT: String(port), PUBLIC_URL: base });
    apis.push(base);
  }
  for (let index = 0; index < 2; index += 1) {
    await startEntryPoint("dist/worker/main.js", "workers running", { PUBLIC_URL: apis[0] as string });
  }
  const count = 30;
  const contactIds: string[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const base = apis[index % 2] as string;
      const email = `pair-${index}@example.com`;
      const created = await call("POST", "/v1/contacts", { email, marketingConsent: true }, base);
      const contactId = (created.body as { id: string }).id;
      contactIds.push(contactId);
      expect((await call("PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" }, base)).status).toBe(
        200,
      );
    }),
  );

  const results = await Promise.all(
    contactIds.map(async (contactId) => {
      const handle = temporal.workflow.getHandle(sequenceWorkflowId("welcome", contactId, "stage/lead"));
      // The outbox dispatcher starts the run a moment after the API answered.
      await waitUntil(() =>
        handle.describe().then(
          () => true,
          () => false,
        ),
      );
      return handle.result();
    }),
  );
  for (const result of results) expect(result).toMatchObject({ state: "completed", emailsSent: 1 });
  await waitUntil(
    async () =>
      (await stack.store.sendLedger.count({ where: { contactId: { in: contactIds }, status: "sent" } })) ===
      count,
  );
  await settle(1_000);
  const received = sink
    .messages()
    .filter((message) => message.envelope.to.some((to) => to.startsWith("pair-")));
  expect(received).toHaveLength(count);
  expect(new Set(received.map((message) => message.messageId)).size).toBe(count);

  // Which worker process ran each send: the identity Temporal recorded when the activity started.
  const identities = new Set<string>();
  for (const contactId of contactIds) {
    const history = await temporal.workflow
      .getHandle(sequenceWorkflowId("welcome", contactId, "stage/lead"))
      .fetchHistory();
    for (const event of history.events ?? []) {
      const identity = event.activityTaskStartedEventAttributes?.identity;
      if (identity) identities.add(identity);
    }
  }
  expect(identities.size).toBeGreaterThanOrEqual(2);
}, 300_000);
