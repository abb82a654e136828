// Issue #3: nothing the API acknowledged is lost while Temporal is down. This file runs its own
// Temporal dev server (with a database file, so it can restart with its state), stops it, changes
// stages and sends events through the API (200), starts it again, and sees every triggered program
// start exactly once; the worker and the dispatcher reconnect on their own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { type DevServer, startTemporalDevServer } from "../../scripts/temporal-dev-server.ts";
import { builtIn } from "../support/built-in.ts";
import { freePort } from "../support/free-port.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let scratch: string;
let port: number;
let server: DevServer | null = null;
let sink: SmtpSink;
let stack: TestStack;

const startServer = () =>
  startTemporalDevServer({
    cli: inject("temporalCli"),
    port,
    dbFile: join(scratch, "temporal.db"),
    logFile: join(scratch, "temporal.log"),
  });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "nurtureflow-outage-"));
  port = await freePort();
  server = await startServer();
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url, env: { TEMPORAL_ADDRESS: server.address } });
  for (const key of ["welcome", "nurture-mql", "cart-recovery"]) {
    await publishSequenceVersion(stack.store, key, builtIn(key));
  }
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  await sink?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function runsOf(temporal: Client, workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _execution of temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs += 1;
  return runs;
}

describe("Temporal outage", () => {
  test("stage changes and events accepted while Temporal is down start each program once it is back", async () => {
    await server?.stop();
    server = null;

    const expected: string[] = [];
    for (const [index, name] of ["ada", "bob", "cyd"].entries()) {
      const email = `${name}@example.com`;
      const created = await api(stack, "POST", "/v1/contacts", { email, name, marketingConsent: true });
      expect(created.status).toBe(201);
      const contactId: string = created.body.id;
      const lead = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
      expect(lead.status).toBe(200);
      expected.push(sequenceWorkflowId("welcome", contactId, "stage/lead"));
      const mql = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" });
      expect(mql.status).toBe(200);
      expected.push(sequenceWorkflowId("nurture-mql", contactId, "stage/mql"));
      const cart = await api(stack, "POST", "/v1/events", {
        type: "cart_abandoned",
        contact: { id: contactId },
        occurredAt: new Date().toISOString(),
        properties: { cartId: `cart-${index}` },
        idempotencyKey: `outage-cart-${index}`,
      });
      expect(cart.status).toBe(200);
      expected.push(sequenceWorkflowId("cart-recovery", contactId, `cartId/cart-${index}`));
    }

    // The dispatcher tries (its client retries for a while before giving up), fails and keeps every row pending.
    await waitUntil(
      async () => (await stack.store.outbox.count({ where: { attempts: { gt: 0 } } })) > 0,
      60_000,
      "a failed delivery attempt",
    );
    // Only rows no program listens to went through: the creations' segment rows (`new`) start nothing.
    const delivered = await stack.store.outbox.findMany({ where: { dispatchedAt: { not: null } } });
    expect(delivered.map((row) => row.kind)).toEqual([
      "segment_changed",
      "segment_changed",
      "segment_changed",
    ]);

    server = await startServer();
    await waitUntil(
      async () => (await stack.store.outbox.count({ where: { dispatchedAt: null } })) === 0,
      60_000,
      "every outbox row delivered",
    );
    // The worker reconnected too: the welcome emails go out (the MQL nurture's may come first).
    for (const name of ["ada", "bob", "cyd"]) {
      await sink.waitForMessage(
        (m) => m.envelope.to.includes(`${name}@example.com`) && /welcome/i.test(m.subject ?? ""),
        60_000,
      );
    }

    const temporal = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      for (const workflowId of expected) {
        expect(await runsOf(temporal, workflowId), workflowId).toBe(1);
      }
    } finally {
      await temporal.connection.close();
    }
    const enrollments = await stack.store.enrollment.findMany();
    expect(enrollments).toHaveLength(expected.length);
    const byRun = new Set(enrollments.map((e) => sequenceWorkflowId(e.sequenceKey, e.contactId, e.entryKey)));
    expect([...byRun].sort()).toEqual([...expected].sort());
    expect(sink.messages().filter((m) => /welcome/i.test(m.subject ?? ""))).toHaveLength(3);
  }, 240_000);
});
