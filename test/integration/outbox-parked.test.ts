// Issue 8, parked rows for operators: a row Temporal keeps rejecting is parked after
// OUTBOX_MAX_ATTEMPTS, shows in GET /v1/outbox/parked and in the nurtureflow_outbox_parked gauge (and
// leaves the pending gauge), never holds up other contacts' welcome emails, and POST
// /v1/outbox/:id/retry delivers it once the cause is fixed. Before: the rows were parked with no way to
// see or retry them but SQL, and the pending gauge counted them as backlog forever.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApiKey } from "../../api/auth/api-keys.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import {
  contactsEnteringLead,
  createConsentingContact,
  startParkingStack,
  writeOversizedCartRow,
} from "../support/outbox-rows.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;

beforeAll(async () => {
  ({ sink, stack } = await startParkingStack(2));
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

const createContact = (email: string) => createConsentingContact(stack, email);

async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not on /metrics`);
  return Number(line.slice(name.length + 1));
}

describe("a parked row", () => {
  test("is listed and counted, holds up nobody, and a retry delivers it once the cause is fixed", async () => {
    const poisoned = await createContact("parked@example.com");
    const poison = await writeOversizedCartRow(stack.store, poisoned, "c-parked");
    const others = ["ann", "ben"].map((name) => `${name}-parked@example.com`);
    await contactsEnteringLead(stack, others);
    for (const email of others) await sink.waitForMessage((m) => m.envelope.to.includes(email), 30_000);
    await waitUntil(
      async () => (await api(stack, "GET", "/v1/outbox/parked")).body.total === 1,
      60_000,
      "the poison row parked",
    );

    const listed = await api(stack, "GET", "/v1/outbox/parked");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      total: 1,
      next: null,
      parked: [
        {
          id: String(poison.id),
          kind: "event",
          contactId: poisoned,
          attempts: 2,
          lastError: expect.stringMatching(/^Failed to signal(WithStart)? Workflow ← .+/),
          createdAt: poison.createdAt.toISOString(),
          parkedAt: expect.any(String),
        },
      ],
    });
    expect(JSON.stringify(listed.body)).not.toContain("c-parked");
    expect(await gauge("nurtureflow_outbox_parked")).toBe(1);
    await waitUntil(async () => (await gauge("nurtureflow_outbox_pending")) === 0, 30_000, "no backlog");

    // The operator fixes the cause (here: trims the payload in the database) and retries the row.
    await stack.store.outbox.update({
      where: { id: poison.id },
      data: {
        payload: {
          kind: "event",
          eventType: "cart_abandoned",
          properties: { cartId: "c-parked" },
          occurredAt: new Date().toISOString(),
        },
      },
    });
    const retried = await api(stack, "POST", `/v1/outbox/${poison.id}/retry`);
    expect(retried).toMatchObject({ status: 202, body: { id: String(poison.id), status: "pending" } });
    await waitUntil(
      async () =>
        (await stack.store.outbox.findUniqueOrThrow({ where: { id: poison.id } })).dispatchedAt !== null,
      30_000,
      "the retried row delivered",
    );
    const temporal = await stack.temporal();
    const run = temporal.workflow.getHandle(sequenceWorkflowId("cart-recovery", poisoned, "cartId/c-parked"));
    expect((await run.describe()).status.name).toBe("RUNNING");
    expect(await gauge("nurtureflow_outbox_parked")).toBe(0);
    expect((await api(stack, "GET", "/v1/outbox/parked")).body).toEqual({ total: 0, parked: [], next: null });
    // Delivered rows are not parked: a second retry finds nothing to retry.
    expect((await api(stack, "POST", `/v1/outbox/${poison.id}/retry`)).status).toBe(404);
  });

  test("pages through parked rows oldest first", async () => {
    const contactId = await createContact("pages@example.com");
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const row = await stack.store.outbox.create({
        data: { kind: "event", contactId, payload: {}, parkedAt: new Date(), attempts: 2, lastError: "test" },
      });
      ids.push(String(row.id));
    }
    const first = await api(stack, "GET", "/v1/outbox/parked?limit=2");
    expect(first.body.parked.map((row: { id: string }) => row.id)).toEqual(ids.slice(0, 2));
    expect(first.body).toMatchObject({ total: 3, next: ids[1] });
    const second = await api(stack, "GET", `/v1/outbox/parked?limit=2&after=${first.body.next}`);
    expect(second.body).toMatchObject({ total: 3, next: null });
    expect(second.body.parked.map((row: { id: string }) => row.id)).toEqual(ids.slice(2));
    expect((await api(stack, "GET", "/v1/outbox/parked?limit=0")).status).toBe(400);
    await stack.store.outbox.deleteMany({ where: { contactId } });
  });

  test("a retry needs an admin key; reading the list needs a read key", async () => {
    const read = (await createApiKey(stack.store, "read", "operator dashboard")).key;
    const admin = (await createApiKey(stack.store, "admin", "operator")).key;
    const call = (method: string, path: string, key: string) =>
      fetch(`${stack.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    // Open development mode ends within a couple of seconds of the first key.
    await waitUntil(async () => (await fetch(`${stack.baseUrl}/v1/outbox/parked`)).status === 401);
    expect((await call("GET", "/v1/outbox/parked", read)).status).toBe(200);
    expect((await call("POST", "/v1/outbox/1/retry", read)).status).toBe(403);
    expect((await call("POST", "/v1/outbox/999999/retry", admin)).status).toBe(404);
    expect((await call("POST", "/v1/outbox/not-a-row/retry", admin)).status).toBe(404);
  });
});
