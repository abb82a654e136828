// Issue #3: every behavioural segment's entry and exit, from events through the API and from the
// segment sweep (the real Temporal workflow, started by hand with a reference time days ahead, and by
// its Schedule). Membership history and segment_changed outbox rows are kept for every move.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { segmentSweepScheduleId } from "../../worker/segment-sweep-schedule.ts";
import type { segmentSweepWorkflow } from "../../workflows/segment-sweep-workflow.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const DAY_MS = 86_400_000;
let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;
let keySeq = 0;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url, env: { SEGMENT_SWEEP_INTERVAL: "1h" } });
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

async function send(type: string, contact: Record<string, string>, properties: Record<string, unknown> = {}) {
  keySeq += 1;
  const occurredAt = new Date(Date.now() - 1_000).toISOString();
  const response = await api(stack, "POST", "/v1/events", {
    events: [{ type, contact, occurredAt, properties, idempotencyKey: `seg-${keySeq}` }],
  });
  expect(response.status).toBe(200);
  return response.body.results[0].contactId as string;
}

const segmentOf = async (contactId: string) =>
  (await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).segment;

async function history(contactId: string) {
  const rows = await stack.store.segmentMembership.findMany({ where: { contactId }, orderBy: { id: "asc" } });
  return rows.map((row) => `${row.segment}${row.leftAt ? "" : " (current)"}`);
}

async function announced(contactId: string) {
  const rows = await stack.store.outbox.findMany({
    where: { contactId, kind: "segment_changed" },
    orderBy: { id: "asc" },
  });
  return rows.map((row) => `${(row.payload as any).from}->${(row.payload as any).to}`);
}

/** Runs the sweep workflow as of `days` from now, in batches of two contacts. */
async function sweepDaysAhead(days: number) {
  return temporal.workflow.execute<typeof segmentSweepWorkflow>("segmentSweepWorkflow", {
    taskQueue: stack.config.taskQueue,
    workflowId: `test-sweep-${stack.config.taskQueue}-${days}`,
    args: [{ asOf: new Date(Date.now() + days * DAY_MS).toISOString(), batchSize: 2 }],
  });
}

async function placeOrder(email: string, orderId: string, total: number) {
  return send("order_placed", { email }, { orderId, total });
}

const ids = {} as Record<"lead" | "newcomer" | "qualified" | "waiting" | "buyer" | "hero", string>;

describe("segments from events", () => {
  test("ghost: an anonymous visitor enters ghost and leaves it when identified", async () => {
    const ghost = await send("page_view", { anonymousId: "seg-anon" });
    expect(await segmentOf(ghost)).toBe("ghost");
    ids.lead = await send("form_submitted", { anonymousId: "seg-anon", email: "lead@example.com" });
    expect(await history(ghost)).toEqual(["ghost"]);
    expect(await segmentOf(ids.lead)).toBe("lead");
    expect(await announced(ghost)).toEqual(["null->ghost"]);
  });

  test("new: an identified contact enters new; qualified interest moves it to lead", async () => {
    ids.newcomer = await send("page_view", { email: "newcomer@example.com" });
    expect(await segmentOf(ids.newcomer)).toBe("new");
    ids.qualified = await send("page_view", { email: "qualified@example.com" });
    await send("content_downloaded", { email: "qualified@example.com" });
    expect(await history(ids.qualified)).toEqual(["new", "lead (current)"]);
    expect(await announced(ids.qualified)).toEqual(["null->new", "new->lead"]);
  });

  test("waiting: an abandoned cart moves a lead to waiting; an order moves it to occasional", async () => {
    ids.waiting = await send("form_submitted", { email: "waiting@example.com" });
    await send("cart_abandoned", { email: "waiting@example.com" }, { cartId: "cart-w", value: 40 });
    expect(await segmentOf(ids.waiting)).toBe("waiting");
    const cart = await stack.store.cart.findUniqueOrThrow({ where: { id: "cart-w" } });
    expect(cart).toMatchObject({ status: "abandoned", contactId: ids.waiting });

    ids.buyer = await send("cart_abandoned", { email: "buyer@example.com" }, { cartId: "cart-b" });
    expect(await segmentOf(ids.buyer)).toBe("waiting");
    await send(
      "order_placed",
      { email: "buyer@example.com" },
      { orderId: "o-b1", total: 30, cartId: "cart-b" },
    );
    expect(await history(ids.buyer)).toEqual(["waiting", "occasional (current)"]);
    expect(await stack.store.cart.findUniqueOrThrow({ where: { id: "cart-b" } })).toMatchObject({
      status: "purchased",
    });
    const buyer = await stack.store.contact.findUniqueOrThrow({ where: { id: ids.buyer } });
    expect(buyer).toMatchObject({ lifecycleStage: "customer", orderCount: 1 });
  });

  test("occasional → repeat → hero as orders add up; a replayed order counts once", async () => {
    ids.hero = await placeOrder("hero@example.com", "o-h1", 250);
    expect(await segmentOf(ids.hero)).toBe("occasional");
    await placeOrder("hero@example.com", "o-h2", 250);
    expect(await segmentOf(ids.hero)).toBe("repeat");
    await placeOrder("hero@example.com", "o-h3", 250);
    await placeOrder("hero@example.com", "o-h4", 250);
    await placeOrder("hero@example.com", "o-h4", 250); // same order id, new idempotency key
    expect(await segmentOf(ids.hero)).toBe("repeat");
    await placeOrder("hero@example.com", "o-h5", 250);
    expect(await segmentOf(ids.hero)).toBe("hero");
    const hero = await stack.store.contact.findUniqueOrThrow({ where: { id: ids.hero } });
    expect(hero.orderCount).toBe(5);
    expect(hero.totalRevenue.toNumber()).toBe(1250);
    expect(await history(ids.hero)).toEqual(["occasional", "repeat", "hero (current)"]);
  });
});

describe("time-driven moves by the sweep", () => {
  test("the worker sets up the sweep's Schedule, and a triggered sweep runs and completes", async () => {
    const schedule = temporal.schedule.getHandle(segmentSweepScheduleId(stack.config.taskQueue));
    const description = await schedule.describe();
    expect(description.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(description.action).toMatchObject({ workflowType: "segmentSweepWorkflow" });
    await schedule.trigger();
    await waitUntil(async () => (await schedule.describe()).info.recentActions.length > 0);
    const started = (await schedule.describe()).info.recentActions[0]?.action.workflow;
    const result = await temporal.workflow.getHandle(started?.workflowId as string).result();
    // Nothing is due yet: every contact's next time-driven change lies in the future.
    expect(result).toMatchObject({ processed: 0, moved: 0 });
  });

  test("waiting → lead when the abandoned cart is older than the waiting window", async () => {
    const totals = await sweepDaysAhead(8);
    expect(totals.movedTo).toEqual({ lead: 1 });
    expect(await segmentOf(ids.waiting)).toBe("lead");
    // The form made the contact a lead in the same batch that created it: its first segment is lead.
    expect(await history(ids.waiting)).toEqual(["lead", "waiting", "lead (current)"]);
  });

  test("hero → repeat when a hero has not been seen for the engagement window", async () => {
    const totals = await sweepDaysAhead(31);
    expect(totals.movedTo).toEqual({ repeat: 1 });
    expect(await segmentOf(ids.hero)).toBe("repeat");
  });

  test("active → at_risk after 60 silent days, in several batches, with progress in the UI", async () => {
    const asOf = new Date(Date.now() + 61 * DAY_MS).toISOString();
    const handle = await temporal.workflow.start<typeof segmentSweepWorkflow>("segmentSweepWorkflow", {
      taskQueue: stack.config.taskQueue,
      workflowId: `test-sweep-${stack.config.taskQueue}-61`,
      args: [{ asOf, batchSize: 2 }],
    });
    const totals = await handle.result();
    const contacts = Object.values(ids);
    expect(totals.movedTo).toEqual({ at_risk: contacts.length });
    expect(totals.batches).toBeGreaterThan(2);
    for (const id of contacts) expect(await segmentOf(id)).toBe("at_risk");
    // What the Temporal UI shows as the run's current details.
    const metadata = await handle.query<{ currentDetails: string }>("__temporal_workflow_metadata");
    expect(metadata.currentDetails).toBe(
      `done as of ${asOf}: ${totals.processed} contacts in ${totals.batches} batches, ` +
        `${contacts.length} moved (at_risk ${contacts.length})`,
    );
  });

  test("at_risk → lost after 180 silent days", async () => {
    const totals = await sweepDaysAhead(181);
    expect(totals.movedTo).toEqual({ lost: Object.keys(ids).length });
    expect(await announced(ids.newcomer)).toEqual(["null->new", "new->at_risk", "at_risk->lost"]);
  });

  test("a sign of life brings at_risk and lost contacts back", async () => {
    await send("page_view", { email: "newcomer@example.com" });
    expect(await segmentOf(ids.newcomer)).toBe("new");
    await send("email_clicked", { email: "buyer@example.com" });
    expect(await segmentOf(ids.buyer)).toBe("occasional");
    expect(await history(ids.newcomer)).toEqual(["new", "at_risk", "lost", "new (current)"]);
    const atRisk = await stack.store.contact.findUniqueOrThrow({ where: { id: ids.newcomer } });
    expect(atRisk.segmentCheckAt?.getTime()).toBeGreaterThan(Date.now() + 59 * DAY_MS);
  });
});
