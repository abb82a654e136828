// Issue 8, the trigger pipeline under bad rows, reordering and redelivery. Each test failed before the
// fix it names:
// - fencing: a dispatcher whose lease ran out could still mark the row delivered (no lease token);
// - poison rows: an oversized event was accepted (200), and a row Temporal rejects was retried forever
//   ahead of everyone, so other contacts' welcome emails never went out; now: 400 at the API, and a
//   failing row is retried a bounded number of times, then parked, while others are delivered;
// - per-contact order: a contact's later row was delivered while an earlier one was still leased;
// - entry re-check: an order that arrived before its cart's (earlier) abandonment left a cart-recovery
//   run waiting to email a buyer;
// - redelivery: a redelivered row rewrote a completed enrollment to `skipped` (so re-entry `never`
//   stopped holding once Temporal forgot the run), and with ALLOW_DUPLICATE started a second run.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { claimDueRows, markDelivered, recordFailure } from "../../activities/outbox/outbox-leases.ts";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import {
  contactsEnteringLead,
  createConsentingContact,
  startParkingStack,
  writeOversizedCartRow,
} from "../support/outbox-rows.ts";
import { signalArguments, startInput } from "../support/run-history.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

beforeAll(async () => {
  ({ sink, stack } = await startParkingStack(3));
  await publishSequenceVersion(stack.store, "trial-nudge", {
    key: "trial-nudge",
    name: "Nudge a trial after a pause",
    category: "marketing",
    trigger: { type: "event", eventType: "custom.trial_started" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [
      { id: "pause", type: "wait", duration: "1h" },
      { id: "nudge", type: "send_email", template: "welcome" },
    ],
    goals: [{ type: "event", eventType: "custom.trial_converted" }],
  });
  await publishSequenceVersion(stack.store, "lead-watch", {
    key: "lead-watch",
    name: "Watch a lead for a while",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "after_exit" } },
    steps: [{ id: "watch", type: "wait", duration: "1h" }],
    goals: [],
  });
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

const createContact = (email: string) => createConsentingContact(stack, email);

const stageChange = (from: string, to: string): Prisma.InputJsonValue => ({
  kind: "stage_changed",
  from,
  to,
  occurredAt: new Date().toISOString(),
});

const delivered = async (contactId: string) =>
  (await stack.store.outbox.count({ where: { contactId, dispatchedAt: null } })) === 0;

async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of temporal.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs += 1;
  return runs;
}

/** A contact without the creation's own classification row, so a claim here finds only the test's rows. */
async function contactWithoutRows(email: string): Promise<string> {
  const contactId = await createContact(email);
  await stack.store.outbox.deleteMany({ where: { contactId } });
  return contactId;
}

describe("leases", () => {
  test("only the current lease holder can mark a row delivered or record its failure", async () => {
    // No worker runs yet: the claims here are the only ones.
    const contactId = await contactWithoutRows("fence@example.com");
    const row = await stack.store.outbox.create({
      data: { kind: "stage_changed", contactId, payload: stageChange("subscriber", "lead") },
    });
    const [slow] = await claimDueRows(stack.store, { limit: 10, leaseMs: 30_000 });
    if (!slow) throw new Error("the row was not claimed");
    expect(slow.id).toBe(row.id);
    // The slow dispatcher's lease runs out and another dispatcher claims the row.
    await stack.store.outbox.update({ where: { id: row.id }, data: { nextAttemptAt: new Date() } });
    const [fresh] = await claimDueRows(stack.store, { limit: 10, leaseMs: 30_000 });
    if (!fresh) throw new Error("the expired lease was not claimed again");
    expect(fresh.leaseToken).not.toBe(slow.leaseToken);

    expect(await markDelivered(stack.store, slow)).toBe(false);
    expect(await recordFailure(stack.store, slow, { error: "late", retryInMs: 0, park: true })).toBe(false);
    expect(await stack.store.outbox.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      dispatchedAt: null,
      parkedAt: null,
      attempts: 0,
    });
    expect(await markDelivered(stack.store, fresh)).toBe(true);
    expect(await markDelivered(stack.store, fresh)).toBe(false);
    await stack.store.outbox.deleteMany({ where: { contactId } });
  });

  test("a contact's later row is not claimed while an earlier one is undelivered", async () => {
    const contactId = await contactWithoutRows("queue@example.com");
    const first = await stack.store.outbox.create({
      data: { kind: "stage_changed", contactId, payload: stageChange("subscriber", "lead") },
    });
    await stack.store.outbox.create({
      data: { kind: "stage_changed", contactId, payload: stageChange("lead", "mql") },
    });
    const claimed = await claimDueRows(stack.store, { limit: 10, leaseMs: 30_000 });
    expect(claimed.map((row) => row.id)).toEqual([first.id]);
    // A second dispatcher finds nothing of this contact while the first row is leased.
    expect(await claimDueRows(stack.store, { limit: 10, leaseMs: 30_000 })).toEqual([]);
    await stack.store.outbox.deleteMany({ where: { contactId } });
  });
});

describe("the pipeline", () => {
  beforeAll(async () => {
    await stack.startWorker();
  });

  test("an oversized event gets 400 naming the limit, and nothing is written", async () => {
    const contactId = await createContact("big@example.com");
    const rowsBefore = await stack.store.outbox.count({ where: { contactId } });
    const response = await api(stack, "POST", "/v1/events", {
      type: "cart_abandoned",
      contact: { id: contactId },
      occurredAt: new Date().toISOString(),
      properties: { cartId: "huge", note: "x".repeat(3 * 1024 * 1024) },
      idempotencyKey: "huge-1",
    });
    expect(response.status).toBe(400);
    expect(response.contentType).toContain("application/problem+json");
    expect(response.body.errors).toEqual([
      { field: "properties", message: expect.stringContaining("32768 bytes") },
    ]);
    expect(await stack.store.event.count({ where: { contactId } })).toBe(0);
    expect(await stack.store.outbox.count({ where: { contactId } })).toBe(rowsBefore);
  });

  test("a row Temporal rejects is parked after its attempts and never holds up other contacts", async () => {
    const poisoned = await createContact("poison@example.com");
    const poison = await writeOversizedCartRow(stack.store, poisoned, "poison");
    const others = ["ann", "ben", "cat"].map((name) => `${name}-poison@example.com`);
    await contactsEnteringLead(stack, others);
    for (const email of others) await sink.waitForMessage((m) => m.envelope.to.includes(email), 30_000);

    await waitUntil(
      async () =>
        (await stack.store.outbox.findUniqueOrThrow({ where: { id: poison.id } })).parkedAt !== null,
      60_000,
      "the poison row parked",
    );
    const parked = await stack.store.outbox.findUniqueOrThrow({ where: { id: poison.id } });
    expect(parked.attempts).toBe(3);
    expect(parked.dispatchedAt).toBeNull();
    // The cause Temporal gave, not only "Failed to signalWithStart Workflow".
    expect(parked.lastError).toMatch(/^Failed to signal(WithStart)? Workflow ← .+ \[\d+\]/);
    // Parked, it no longer holds up its own contact's later rows.
    expect((await api(stack, "PUT", `/v1/contacts/${poisoned}/stage`, { stage: "lead" })).status).toBe(200);
    await sink.waitForMessage((m) => m.envelope.to.includes("poison@example.com"), 30_000);
  });

  test("per contact, rows reach the running program in the order they were written", async () => {
    const contactId = await createContact("order@example.com");
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    const workflowId = sequenceWorkflowId("lead-watch", contactId, "stage/lead");
    await waitUntil(() => delivered(contactId), 30_000, "the lead change delivered");

    // Another dispatcher holds the lease of the earlier row; the later row and another contact's are due.
    const earlier = await stack.store.outbox.create({
      data: {
        kind: "stage_changed",
        contactId,
        payload: stageChange("lead", "mql"),
        nextAttemptAt: new Date(Date.now() + 3_600_000),
        leaseToken: "00000000-0000-4000-8000-000000000001",
      },
    });
    const later = await stack.store.outbox.create({
      data: { kind: "stage_changed", contactId, payload: stageChange("mql", "sql") },
    });
    const bystander = await createContact("bystander@example.com");
    const sentinel = await stack.store.outbox.create({
      data: { kind: "stage_changed", contactId: bystander, payload: stageChange("subscriber", "mql") },
    });
    await waitUntil(
      async () =>
        (await stack.store.outbox.findUniqueOrThrow({ where: { id: sentinel.id } })).dispatchedAt !== null,
      30_000,
      "a dispatch pass after the later row was due",
    );
    expect((await stack.store.outbox.findUniqueOrThrow({ where: { id: later.id } })).dispatchedAt).toBeNull();

    // The other dispatcher's lease runs out: both rows go, earlier first.
    await stack.store.outbox.update({
      where: { id: earlier.id },
      data: { nextAttemptAt: new Date(), leaseToken: null },
    });
    await waitUntil(() => delivered(contactId), 30_000, "both rows delivered");
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    // The row that opened the run is its start input's trigger; every later row is a signal.
    const started = startInput(events) as { triggerInInput?: true; trigger: { kind: string; to: string } };
    expect(started).toMatchObject({ triggerInInput: true });
    const received = [
      started.trigger,
      ...(signalArguments(events) as Array<{ kind: string; to: string } | null>),
    ]
      // A stage change through the API also moves the segment (new → lead): only stage changes here.
      .filter((change) => change?.kind === "stage_changed")
      .map((change) => change?.to);
    expect(received).toEqual(["lead", "mql", "sql"]);
  });

  test("an order that arrived before its cart's earlier abandonment starts no cart recovery", async () => {
    const contactId = await createContact("buyer@example.com");
    const now = Date.now();
    const order = await api(stack, "POST", "/v1/events", {
      type: "order_placed",
      contact: { id: contactId },
      occurredAt: new Date(now).toISOString(),
      properties: { orderId: "order-1", total: 40, cartId: "cart-bought" },
      idempotencyKey: "order-1",
    });
    expect(order.status).toBe(200);
    const abandoned = await api(stack, "POST", "/v1/events", {
      type: "cart_abandoned",
      contact: { id: contactId },
      occurredAt: new Date(now - 600_000).toISOString(),
      properties: { cartId: "cart-bought", value: 40 },
      idempotencyKey: "abandoned-1",
    });
    expect(abandoned.status).toBe(200);
    // (Ingestion may already drop the late abandonment; the dispatcher's re-check holds either way.)
    await waitUntil(() => delivered(contactId), 30_000, "both events delivered");

    expect(await stack.store.enrollment.count({ where: { contactId, sequenceKey: "cart-recovery" } })).toBe(
      0,
    );
    expect(await runsOf(sequenceWorkflowId("cart-recovery", contactId, "cartId/cart-bought"))).toBe(0);
  });

  test("a row redelivered after its run completed changes nothing, and re-entry `never` holds from the database", async () => {
    const contactId = await createContact("again@example.com");
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    await sink.waitForMessage((m) => m.envelope.to.includes("again@example.com"), 30_000);
    await waitUntil(
      async () =>
        (await stack.store.enrollment.count({
          where: { contactId, sequenceKey: "welcome", status: "completed" },
        })) === 1,
      30_000,
      "the welcome enrollment completed",
    );
    const row = await stack.store.outbox.findFirstOrThrow({ where: { contactId, kind: "stage_changed" } });
    await stack.store.outbox.update({
      where: { id: row.id },
      data: { dispatchedAt: null, nextAttemptAt: new Date() },
    });
    await waitUntil(() => delivered(contactId), 30_000, "the redelivery");
    // Leave and re-enter lead: the welcome sequence admits no re-entry, decided from the enrollments.
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "subscriber" });
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    await waitUntil(() => delivered(contactId), 30_000, "the re-entry delivered");

    const welcome = await stack.store.enrollment.findMany({ where: { contactId, sequenceKey: "welcome" } });
    expect(welcome.map((enrollment) => enrollment.status)).toEqual(["completed"]);
  });

  test("a row redelivered after its run exited at a goal starts no second run", async () => {
    const contactId = await createContact("trial@example.com");
    const post = (type: string, key: string) =>
      api(stack, "POST", "/v1/events", {
        type,
        contact: { id: contactId },
        occurredAt: new Date().toISOString(),
        idempotencyKey: key,
      });
    expect((await post("custom.trial_started", "trial-start")).status).toBe(200);
    const workflowId = sequenceWorkflowId("trial-nudge", contactId, "event/custom.trial_started");
    await waitUntil(() => delivered(contactId), 30_000, "the trial start delivered");
    expect((await post("custom.trial_converted", "trial-converted")).status).toBe(200);
    const handle = temporal.workflow.getHandle(workflowId);
    await waitUntil(
      async () => (await handle.describe()).status.name === "COMPLETED",
      30_000,
      "the run ended at its goal",
    );

    const start = await stack.store.outbox.findFirstOrThrow({
      where: { contactId, kind: "event" },
      orderBy: { id: "asc" },
    });
    await stack.store.outbox.update({
      where: { id: start.id },
      data: { dispatchedAt: null, nextAttemptAt: new Date() },
    });
    await waitUntil(() => delivered(contactId), 30_000, "the redelivery");

    expect(await runsOf(workflowId)).toBe(1);
    expect((await handle.describe()).status.name).toBe("COMPLETED");
    const enrollments = await stack.store.enrollment.findMany({
      where: { contactId, sequenceKey: "trial-nudge" },
    });
    expect(enrollments.map((enrollment) => [enrollment.status, enrollment.exitReason])).toEqual([
      ["exited", "goal: custom.trial_converted"],
    ]);
  });
});
