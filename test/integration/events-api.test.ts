// Issue #3: POST /v1/events — batches, idempotency, validation (all or nothing), ghost merge, stage
// rules and the score threshold promotion, end to end through the HTTP API and the contact store.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let sink: SmtpSink;
let stack: TestStack;
let keySeq = 0;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

// A few seconds ago, one millisecond apart in creation order: decay stays below the 2-decimal rounding.
const recently = () => new Date(Date.now() - 5_000 + keySeq).toISOString();

function event(type: string, contact: Record<string, string>, properties: Record<string, unknown> = {}) {
  keySeq += 1;
  return { type, contact, occurredAt: recently(), properties, idempotencyKey: `k-${keySeq}` };
}

async function contactByEmail(email: string) {
  return stack.store.contact.findUniqueOrThrow({ where: { email } });
}

describe("ingestion", () => {
  test("a batch creates contacts by email, stores every event once and reports duplicates", async () => {
    const first = event("page_view", { email: "Ann@Example.com" }, { path: "/blog" });
    const batch = [first, event("email_opened", { email: "ann@example.com" }), { ...first }];
    const response = await api(stack, "POST", "/v1/events", { events: batch });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(response.body.results.map((r: any) => r.status)).toEqual(["accepted", "accepted", "duplicate"]);

    const again = await api(stack, "POST", "/v1/events", first);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      accepted: 0,
      duplicates: 1,
      results: [{ index: 0, status: "duplicate" }],
    });

    const ann = await contactByEmail("ann@example.com");
    expect(await stack.store.event.count({ where: { contactId: ann.id } })).toBe(2);
    expect(ann.lastActivityAt?.toISOString()).toBe(batch[1]?.occurredAt);
    expect(ann.score).toBe(2);
    expect(ann.segment).toBe("new");
  });

  test("an event for a contact id is attributed to that contact", async () => {
    const created = await api(stack, "POST", "/v1/contacts", { email: "bo@example.com" });
    const response = await api(stack, "POST", "/v1/events", event("email_clicked", { id: created.body.id }));
    expect(response.body.results[0]).toMatchObject({ status: "accepted", contactId: created.body.id });
    expect((await contactByEmail("bo@example.com")).score).toBe(3);
  });

  test("an event without occurredAt happened when it was received, alone or in a batch", async () => {
    const { occurredAt: _given, ...single } = event("page_view", { email: "dee@example.com" });
    const { occurredAt: _also, ...inBatch } = event("email_opened", { email: "dee@example.com" });
    const dated = event("email_clicked", { email: "dee@example.com" });
    const before = new Date();
    expect((await api(stack, "POST", "/v1/events", single)).status).toBe(200);
    expect((await api(stack, "POST", "/v1/events", { events: [inBatch, dated] })).status).toBe(200);
    const after = new Date();
    const dee = await contactByEmail("dee@example.com");
    const stored = await stack.store.event.findMany({ where: { contactId: dee.id }, orderBy: { id: "asc" } });
    expect(stored.map((row) => row.type)).toEqual(["page_view", "email_opened", "email_clicked"]);
    for (const row of stored.slice(0, 2)) {
      expect(row.occurredAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(row.occurredAt.getTime()).toBeLessThanOrEqual(after.getTime());
    }
    expect(stored[2]?.occurredAt.toISOString()).toBe(dated.occurredAt);
  });
});

describe("validation: all or nothing", () => {
  test("every offending event is named by index and field, and nothing of the batch is written", async () => {
    const before = await stack.store.event.count();
    const contactsBefore = await stack.store.contact.count();
    const batch = [
      event("page_view", { email: "valid@example.com" }),
      { ...event("page_view", { email: "x@example.com" }), occurredAt: "yesterday" },
      { ...event("page_view", { email: "x@example.com" }), occurredAt: "2999-01-01T00:00:00Z" },
      event("teleported", { email: "x@example.com" }),
      event("page_view", {}),
      { ...event("page_view", { email: "x@example.com" }), properties: "not an object" },
      event("order_placed", { email: "x@example.com" }, { orderId: "o-1", total: "12.50" }),
      event("cart_abandoned", { email: "x@example.com" }, {}),
      { ...event("page_view", { email: "x@example.com" }), occurredAt: 1_700_000_000 },
      { ...event("page_view", { email: "x@example.com" }), idempotencyKey: undefined },
    ];
    const response = await api(stack, "POST", "/v1/events", { events: batch });
    expect(response.status).toBe(400);
    expect(response.contentType).toContain("application/problem+json");
    const fields = response.body.errors.map((e: any) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "events.1.occurredAt",
        "events.2.occurredAt",
        "events.3.type",
        "events.4.contact",
        "events.5.properties",
        "events.6.properties.total",
        "events.7.properties.cartId",
        "events.8.occurredAt",
        "events.9.idempotencyKey",
      ]),
    );
    expect(fields.some((field: string) => field.startsWith("events.0."))).toBe(false);
    expect(await stack.store.event.count()).toBe(before);
    expect(await stack.store.contact.count()).toBe(contactsBefore);
  });

  test("an unknown contact id without an email is rejected with its index; the rest is not written", async () => {
    const before = await stack.store.event.count();
    const response = await api(stack, "POST", "/v1/events", {
      events: [
        event("page_view", { email: "fine@example.com" }),
        event("page_view", { id: "00000000-0000-4000-8000-000000000000" }),
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: "events.1.contact.id", message: expect.any(String) }]);
    expect(await stack.store.event.count()).toBe(before);
    expect(await stack.store.contact.findUnique({ where: { email: "fine@example.com" } })).toBeNull();
  });

  test("an oversized batch and an empty batch are rejected", async () => {
    const oversized = Array.from({ length: 5_001 }, () => event("page_view", { anonymousId: "big" }));
    const big = await api(stack, "POST", "/v1/events", { events: oversized });
    expect(big.status).toBe(400);
    expect(big.body.errors.map((e: any) => e.field)).toContain("events");
    const empty = await api(stack, "POST", "/v1/events", { events: [] });
    expect(empty.status).toBe(400);
    expect(await stack.store.anonymousIdentity.count({ where: { anonymousId: "big" } })).toBe(0);
  });

  test("a single invalid event names its fields without an index", async () => {
    const response = await api(stack, "POST", "/v1/events", { ...event("page_view", {}), occurredAt: "no" });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: any) => e.field)).toEqual(
      expect.arrayContaining(["contact", "occurredAt"]),
    );
  });
});

describe("ghost visitors", () => {
  test("an anonymous visitor is a ghost, and identifying with a form merges their history", async () => {
    const anonymous = { anonymousId: "anon-ghost-1" };
    const first = await api(stack, "POST", "/v1/events", {
      events: [event("page_view", anonymous, { path: "/pricing" }), event("page_view", anonymous)],
    });
    const ghostId = first.body.results[0].contactId;
    const ghost = await stack.store.contact.findUniqueOrThrow({ where: { id: ghostId } });
    expect(ghost).toMatchObject({ email: null, segment: "ghost", score: 12 });

    // The known contact already exists: the ghost is merged into it.
    await api(stack, "POST", "/v1/contacts", { email: "cy@example.com" });
    const identify = await api(
      stack,
      "POST",
      "/v1/events",
      event("form_submitted", { email: "cy@example.com", anonymousId: "anon-ghost-1" }),
    );
    expect(identify.status).toBe(200);
    const cy = await contactByEmail("cy@example.com");
    expect(identify.body.results[0].contactId).toBe(cy.id);
    expect(await stack.store.event.count({ where: { contactId: cy.id } })).toBe(3);
    expect(await stack.store.event.count({ where: { contactId: ghostId } })).toBe(0);
    expect(cy).toMatchObject({ lifecycleStage: "lead", score: 22, segment: "lead" });
    expect(await stack.store.contact.findUniqueOrThrow({ where: { id: ghostId } })).toMatchObject({
      mergedIntoId: cy.id,
      segmentCheckAt: null,
    });

    // Later anonymous events of that browser, and the ghost's old id, reach the contact.
    const later = await api(stack, "POST", "/v1/events", {
      events: [event("page_view", { anonymousId: "anon-ghost-1" }), event("page_view", { id: ghostId })],
    });
    expect(later.body.results.map((r: any) => r.contactId)).toEqual([cy.id, cy.id]);
    const timeline = await api(stack, "GET", `/v1/contacts/${cy.id}/timeline`);
    expect(timeline.body.entries.filter((e: any) => e.kind === "event")).toHaveLength(5);
  });

  test("a visitor identified in the same batch needs no ghost at all", async () => {
    const response = await api(stack, "POST", "/v1/events", {
      events: [
        event("page_view", { anonymousId: "anon-same-batch" }),
        event("content_downloaded", { anonymousId: "anon-same-batch", email: "di@example.com" }),
      ],
    });
    const di = await contactByEmail("di@example.com");
    expect(response.body.results.map((r: any) => r.contactId)).toEqual([di.id, di.id]);
    expect(di).toMatchObject({ lifecycleStage: "lead", segment: "lead" });
    expect(
      await stack.store.contact.count({ where: { email: null, segment: "ghost", mergedIntoId: null } }),
    ).toBe(0);
  });
});

describe("scoring and stages through the API", () => {
  test("crossing the score threshold makes a lead an MQL, and the score explains itself", async () => {
    const rules = await api(stack, "GET", "/v1/scoring/rules");
    expect(rules.body.mqlThreshold).toBe(50);
    const email = "eve@example.com";
    await api(stack, "POST", "/v1/events", event("form_submitted", { email }));
    expect(await contactByEmail(email)).toMatchObject({ lifecycleStage: "lead", score: 10 });

    const views = Array.from({ length: 4 }, () => event("page_view", { email }, { path: "/pricing" }));
    const response = await api(stack, "POST", "/v1/events", { events: views });
    expect(response.body.stageChanges).toBe(1);
    const eve = await contactByEmail(email);
    expect(eve.lifecycleStage).toBe("mql");
    expect(eve.highestStage).toBe("mql");
    const history = await stack.store.stageChange.findMany({
      where: { contactId: eve.id },
      orderBy: { id: "asc" },
    });
    expect(history.map((h) => [h.fromStage, h.toStage, h.source])).toEqual([
      ["subscriber", "lead", "event"],
      ["lead", "mql", "scoring"],
    ]);
    expect(history[1]?.reason).toMatch(/threshold 50/);

    const score = await api(stack, "GET", `/v1/contacts/${eve.id}/score?limit=2`);
    expect(score.status).toBe(200);
    expect(score.body.score).toBeGreaterThanOrEqual(50);
    expect(score.body.topContributors.map((c: any) => [c.rule, c.count])).toEqual([
      ["page_view[path=/pricing]", 4],
      ["form_submitted", 1],
    ]);
    const outbox = await stack.store.outbox.findMany({ where: { contactId: eve.id, kind: "stage_changed" } });
    expect(outbox.map((row) => (row.payload as any).to)).toEqual(["lead", "mql"]);
  });

  test("rules are configurable: a custom threshold, fit points and a stage rule", async () => {
    const put = await api(stack, "PUT", "/v1/scoring/rules", {
      eventPoints: [{ eventType: "custom.webinar_attended", points: 20 }],
      fitPoints: [{ property: "role", equals: "decision_maker", points: 15 }],
      halfLifeDays: null,
      mqlThreshold: 30,
    });
    expect(put.status).toBe(200);
    const stages = await api(stack, "PUT", "/v1/lifecycle/rules", {
      rules: [{ on: "custom.webinar_attended", to: "lead", forwardOnly: true }],
    });
    expect(stages.status).toBe(200);
    await api(stack, "POST", "/v1/contacts", {
      email: "fay@example.com",
      properties: { role: "decision_maker" },
    });
    await api(stack, "POST", "/v1/events", event("custom.webinar_attended", { email: "fay@example.com" }));
    const fay = await contactByEmail("fay@example.com");
    expect(fay).toMatchObject({ score: 35, lifecycleStage: "mql" });
    // form_submitted is no longer a stage rule.
    await api(stack, "POST", "/v1/events", event("form_submitted", { email: "gus@example.com" }));
    expect((await contactByEmail("gus@example.com")).lifecycleStage).toBe("subscriber");

    const bad = await api(stack, "PUT", "/v1/segments/thresholds", {
      waitingWithinDays: 7,
      atRiskAfterDays: 60,
      lostAfterDays: 30,
      repeatOrders: 2,
      repeatWindowDays: 365,
      heroOrders: 5,
      heroRevenue: 1000,
      heroEngagedWithinDays: 30,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual(["lostAfterDays"]);

    await api(stack, "PUT", "/v1/scoring/rules", (await api(stack, "GET", "/v1/scoring/rules")).body);
    await stack.store.setting.deleteMany({});
  });
});

describe("running score", () => {
  const DAY_MS = 86_400_000;
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
  const eventAt = (type: string, email: string, occurredAt: string) => ({
    ...event(type, { email }),
    occurredAt,
  });

  test("batch after batch, and across half-life changes, the stored score is the one from every point", async () => {
    const email = "hal@example.com";
    const defaults = (await api(stack, "GET", "/v1/scoring/rules")).body;
    const scoreOf = async () => {
      const contact = await contactByEmail(email);
      const report = await api(stack, "GET", `/v1/contacts/${contact.id}/score`);
      expect(report.body.score).toBe(contact.score);
      return contact.score;
    };

    await api(stack, "POST", "/v1/events", eventAt("form_submitted", email, at(-30 * DAY_MS)));
    expect(await scoreOf()).toBe(5);
    await api(stack, "POST", "/v1/events", {
      events: [eventAt("email_clicked", email, at(-60 * DAY_MS)), eventAt("page_view", email, at(-1_000))],
    });
    expect(await scoreOf()).toBe(5 + 0.75 + 1);

    // Another half-life: the running score is rebuilt from the recorded points.
    await api(stack, "PUT", "/v1/scoring/rules", { ...defaults, halfLifeDays: 15 });
    await api(stack, "POST", "/v1/events", eventAt("email_opened", email, at(-1_000)));
    expect(await scoreOf()).toBe(4.69);

    await api(stack, "PUT", "/v1/scoring/rules", { ...defaults, halfLifeDays: null });
    // An hour ahead (clock skew): counted fresh until its time comes, then it decays.
    await api(stack, "POST", "/v1/events", eventAt("email_opened", email, at(3_600_000)));
    expect(await scoreOf()).toBe(16);

    await api(stack, "PUT", "/v1/scoring/rules", defaults);
    await api(stack, "POST", "/v1/events", eventAt("page_view", email, at(-1_000)));
    expect(await scoreOf()).toBe(5 + 0.75 + 1 + 1 + 1 + 1);
    await stack.store.setting.deleteMany({});
  });
});
