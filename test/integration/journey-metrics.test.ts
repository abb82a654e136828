// Issue #11: every metrics route against a small fixture written straight into the store, with the
// expected numbers worked out by hand below. The period is November 2026 in Europe/Rome (CET, UTC+1):
// [2026-10-31T23:00Z, 2026-11-30T23:00Z). Contacts:
//   A  created 10-31 22:30Z (Rome 23:30, before the period). lead 11-02 10:00, mql 11-04 10:00 (48 h,
//      by the threshold), back to lead 11-06 10:00, mql again 11-07 10:00 (24 h, by the API): converts
//      out of lead twice, falls back once.
//   B  created 10-31 23:30Z (Rome 11-01 00:30: inside in Rome, outside in UTC). lead 11-01 05:30 (6 h),
//      sql 11-10 05:30 (216 h, skipping mql: a conversion out of lead).
//   C  created 11-05 12:00, never moves.
//   D  created 11-30 22:59Z (Rome 23:59, inside); lead 11-30 23:30Z (Rome 12-01 00:30, outside).
//   E  created 10-01, lead 10-10; mql at 11-30 23:00Z, exactly the period's (exclusive) end.
//   G  created 10-15, lead 10-16; mql 11-20 10:00 by the threshold.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
const ids = {
  A: "00000000-0000-4000-8000-00000000000a",
  B: "00000000-0000-4000-8000-00000000000b",
  C: "00000000-0000-4000-8000-00000000000c",
  D: "00000000-0000-4000-8000-00000000000d",
  E: "00000000-0000-4000-8000-00000000000e",
  G: "00000000-0000-4000-8000-000000000001",
};
const at = (iso: string) => new Date(iso);
const NOVEMBER_ROME = "from=2026-11-01&to=2026-11-30&tz=Europe/Rome";

async function writeFixture() {
  const store = stack.store;
  const contact = (
    key: keyof typeof ids,
    createdAt: string,
    stage: string,
    extra: Record<string, unknown> = {},
  ) => ({
    id: ids[key],
    email: `${key.toLowerCase()}@example.com`,
    createdAt: at(createdAt),
    lifecycleStage: stage,
    highestStage: stage,
    ...extra,
  });
  await store.contact.createMany({
    data: [
      contact("A", "2026-10-31T22:30:00Z", "mql", {
        segment: "repeat",
        orderCount: 3,
        totalRevenue: 180,
      }),
      contact("B", "2026-10-31T23:30:00Z", "sql", {
        segment: "occasional",
        orderCount: 2,
        totalRevenue: 100,
      }),
      contact("C", "2026-11-05T12:00:00Z", "subscriber", {
        segment: "lead",
        unsubscribedAt: at("2026-11-07T09:00:00Z"),
      }),
      contact("D", "2026-11-30T22:59:00Z", "lead", {
        segment: "occasional",
        orderCount: 1,
        totalRevenue: 40,
      }),
      contact("E", "2026-10-01T00:00:00Z", "mql"),
      contact("G", "2026-10-15T00:00:00Z", "mql"),
    ],
  });
  const move = (
    key: keyof typeof ids,
    fromStage: string,
    toStage: string,
    occurredAt: string,
    source = "event",
  ) => ({
    contactId: ids[key],
    fromStage,
    toStage,
    reason: "fixture",
    source,
    occurredAt: at(occurredAt),
  });
  await store.stageChange.createMany({
    data: [
      move("A", "subscriber", "lead", "2026-11-02T10:00:00Z"),
      move("A", "lead", "mql", "2026-11-04T10:00:00Z", "scoring"),
      move("A", "mql", "lead", "2026-11-06T10:00:00Z", "api"),
      move("A", "lead", "mql", "2026-11-07T10:00:00Z", "api"),
      move("B", "subscriber", "lead", "2026-11-01T05:30:00Z"),
      move("B", "lead", "sql", "2026-11-10T05:30:00Z", "api"),
      move("D", "subscriber", "lead", "2026-11-30T23:30:00Z"),
      move("E", "subscriber", "lead", "2026-10-10T00:00:00Z"),
      move("E", "lead", "mql", "2026-11-30T23:00:00Z", "scoring"),
      move("G", "subscriber", "lead", "2026-10-16T00:00:00Z"),
      move("G", "lead", "mql", "2026-11-20T10:00:00Z", "scoring"),
    ],
  });
  const points = (key: keyof typeof ids, rule: string, value: number, occurredAt: string) => ({
    contactId: ids[key],
    rule,
    points: value,
    occurredAt: at(occurredAt),
  });
  await store.scoreContribution.createMany({
    data: [
      points("A", "page_view", 1, "2026-11-01T08:00:00Z"),
      points("A", "page_view[path=/pricing]", 10, "2026-11-01T08:00:00Z"),
      points("A", "form_submitted", 10, "2026-11-02T10:00:00Z"),
      points("A", "content_downloaded", 8, "2026-11-03T10:00:00Z"),
      points("A", "email_clicked", 3, "2026-11-05T10:00:00Z"), // after A's first MQL entry: not a driver
      points("G", "page_view", 1, "2026-11-18T10:00:00Z"),
      points("G", "page_view", 1, "2026-11-19T10:00:00Z"),
      points("G", "content_downloaded", 8, "2026-11-19T11:00:00Z"),
      points("G", "form_submitted", 10, "2026-11-20T09:00:00Z"),
      points("G", "email_opened", 1, "2026-11-21T10:00:00Z"), // after G's MQL entry
      points("E", "page_view", 1, "2026-11-29T10:00:00Z"), // E's MQL entry is not in the period
    ],
  });
  const run = (
    id: string,
    sequenceKey: string,
    sequenceVersion: number,
    key: keyof typeof ids,
    entryKey: string,
    startedAt: string,
    status: string,
    endedAt: string | null,
    exitReason: string | null = null,
  ) => ({
    id,
    sequenceKey,
    sequenceVersion,
    contactId: ids[key],
    entryKey,
    startedAt: at(startedAt),
    status,
    endedAt: endedAt ? at(endedAt) : null,
    exitReason,
  });
  await store.enrollment.createMany({
    data: [
      run(
        "R1",
        "cart-recovery",
        1,
        "A",
        "cartId/cart-a",
        "2026-11-03T09:00:00Z",
        "completed",
        "2026-11-05T00:00:00Z",
      ),
      run(
        "R2",
        "cart-recovery",
        1,
        "B",
        "cartId/cart-b",
        "2026-11-04T09:00:00Z",
        "exited",
        "2026-11-04T12:00:00Z",
        "goal: order_placed",
      ),
      run(
        "R3",
        "cart-recovery",
        1,
        "C",
        "cartId/cart-c",
        "2026-11-06T09:00:00Z",
        "exited",
        "2026-11-07T09:00:00Z",
        "unsubscribed",
      ),
      // Started in the period (Rome 11-30 00:30), ended after it: still running at the period's end.
      run(
        "R4",
        "cart-recovery",
        1,
        "D",
        "cartId/cart-d",
        "2026-11-29T23:30:00Z",
        "completed",
        "2026-12-01T02:00:00Z",
      ),
      run(
        "R5",
        "cart-recovery",
        1,
        "E",
        "cartId/cart-e",
        "2026-10-20T09:00:00Z",
        "completed",
        "2026-10-22T00:00:00Z",
      ),
      run(
        "R6",
        "welcome",
        2,
        "A",
        "stage/lead",
        "2026-11-02T10:00:00Z",
        "exited",
        "2026-11-02T10:01:00Z",
        "hard bounce",
      ),
      run("R7", "post-purchase", 1, "A", "orderId/O2", "2026-11-05T11:00:00Z", "running", null),
    ],
  });
  let ledgerSeq = 0;
  const send = (
    enrollmentId: string,
    stepId: string,
    key: keyof typeof ids,
    createdAt: string,
    status: string,
    opened: string | null = null,
    clicked: string | null = null,
  ) => {
    ledgerSeq += 1;
    return {
      businessKey: `${enrollmentId}/${stepId}`,
      messageId: `<m${ledgerSeq}@example.com>`,
      enrollmentId,
      stepId,
      contactId: ids[key],
      templateKey: stepId.replace(/^send-/, ""),
      toAddress: `${key.toLowerCase()}@example.com`,
      status,
      createdAt: at(createdAt),
      sentAt: status === "sent" ? at(createdAt) : null,
      firstOpenedAt: opened ? at(opened) : null,
      firstClickedAt: clicked ? at(clicked) : null,
    };
  };
  await store.sendLedger.createMany({
    data: [
      send(
        "R1",
        "send-reminder",
        "A",
        "2026-11-03T10:00:00Z",
        "sent",
        "2026-11-03T11:00:00Z",
        "2026-11-03T11:05:00Z",
      ),
      send("R2", "send-reminder", "B", "2026-11-04T10:00:00Z", "sent", "2026-11-04T10:30:00Z"),
      send("R3", "send-reminder", "C", "2026-11-06T10:00:00Z", "sent"),
      send("R4", "send-reminder", "D", "2026-11-30T00:00:00Z", "suppressed"),
      send("R5", "send-reminder", "E", "2026-10-20T10:00:00Z", "sent"),
      send("R1", "send-incentive", "A", "2026-11-04T10:00:00Z", "sent", "2026-11-10T10:00:00Z"),
      send("R6", "send-welcome", "A", "2026-11-02T10:00:30Z", "bounced"),
      send("R7", "send-thanks", "A", "2026-11-05T12:00:00Z", "sent"),
    ],
  });
  // Sending-rules decisions: a step counts as deferred once per run, in the period of its first
  // deferral. R1's reminder was put off once, R2's twice (one run), R4's at 11-30 23:30Z (Rome 12-01,
  // after the period), R5's in October; R5's incentive first on the last evening of October in Rome
  // (10-31 22:30Z) and again on November 1st, so it counts in October only; R3's incentive was put off
  // before its run exited (never attempted) and R7's review is still waiting: a step with deferrals and
  // no send. R4's expired incentive is not a deferral (and no step of its own).
  const decision = (
    enrollmentId: string,
    stepId: string,
    key: keyof typeof ids,
    attempt: number,
    decision: string,
    decidedAt: string,
  ) => ({
    enrollmentId,
    stepId,
    contactId: ids[key],
    attempt,
    category: "marketing",
    decision,
    reason: decision === "send" ? null : "quiet_hours",
    deferUntil: decision === "defer" ? at(decidedAt) : null,
    decidedAt: at(decidedAt),
  });
  await store.sendDecision.createMany({
    data: [
      decision("R1", "send-reminder", "A", 1, "defer", "2026-11-03T08:00:00Z"),
      decision("R1", "send-reminder", "A", 2, "send", "2026-11-03T10:00:00Z"),
      decision("R2", "send-reminder", "B", 1, "defer", "2026-11-04T09:30:00Z"),
      decision("R2", "send-reminder", "B", 2, "defer", "2026-11-04T09:45:00Z"),
      decision("R2", "send-reminder", "B", 3, "send", "2026-11-04T10:00:00Z"),
      decision("R4", "send-reminder", "D", 1, "defer", "2026-11-30T23:30:00Z"),
      decision("R5", "send-reminder", "E", 1, "defer", "2026-10-20T09:30:00Z"),
      decision("R5", "send-incentive", "E", 1, "defer", "2026-10-31T22:30:00Z"),
      decision("R5", "send-incentive", "E", 2, "defer", "2026-11-01T07:00:00Z"),
      decision("R3", "send-incentive", "C", 1, "defer", "2026-11-07T08:00:00Z"),
      decision("R4", "send-incentive", "D", 1, "expire", "2026-11-30T00:30:00Z"),
      decision("R7", "send-review", "A", 1, "defer", "2026-11-06T12:00:00Z"),
    ],
  });
  const order = (
    id: string,
    key: keyof typeof ids,
    total: number,
    placedAt: string,
    cartId: string | null = null,
  ) => ({
    id,
    contactId: ids[key],
    total,
    placedAt: at(placedAt),
    cartId,
  });
  await store.order.createMany({
    data: [
      order("O1", "A", 100, "2026-10-15T10:00:00Z"),
      order("O2", "A", 50, "2026-11-05T10:00:00Z", "cart-a"), // cart recovery (reminder sent 11-03)
      order("O3", "A", 30, "2026-11-20T10:00:00Z"), // post-purchase (thanks for O2 sent 11-05)
      order("O4", "B", 80, "2026-11-04T11:00:00Z", "cart-b"), // cart recovery (reminder sent an hour before)
      order("O5", "B", 20, "2026-11-30T23:30:00Z"), // Rome 12-01: after the period
      order("O6", "D", 40, "2026-11-30T22:30:00Z"), // Rome 11-30 23:30: inside
    ],
  });
  const membership = (key: keyof typeof ids, segment: string, enteredAt: string, leftAt: string | null) => ({
    contactId: ids[key],
    segment,
    enteredAt: at(enteredAt),
    leftAt: leftAt ? at(leftAt) : null,
  });
  await store.segmentMembership.createMany({
    data: [
      membership("A", "new", "2026-10-01T00:00:00Z", "2026-11-02T10:00:00Z"),
      membership("A", "lead", "2026-11-02T10:00:00Z", "2026-11-05T00:00:00Z"),
      membership("A", "repeat", "2026-11-05T00:00:00Z", null),
      membership("B", "new", "2026-10-31T23:30:00Z", "2026-11-04T11:00:00Z"),
      membership("B", "occasional", "2026-11-04T11:00:00Z", null),
      membership("C", "new", "2026-11-05T12:00:00Z", "2026-11-07T09:00:00Z"),
      membership("C", "lead", "2026-11-07T09:00:00Z", null),
    ],
  });
}

beforeAll(async () => {
  // No worker: the metrics read the store only.
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:1" });
  await writeFixture();
});

afterAll(async () => {
  await stack?.stop();
});

const metrics = async (name: string, query: string) => {
  const response = await api(stack, "GET", `/v1/metrics/${name}?${query}`);
  expect(response.status).toBe(200);
  return response.body;
};
const entriesOf = (body: any) => Object.fromEntries(body.stages.map((row: any) => [row.stage, row.entries]));
const conversionOf = (body: any, from: string) => body.conversions.find((row: any) => row.from === from);

describe("funnel", () => {
  test("November in Rome: entries, conversion with a backward move, a contact converting twice", async () => {
    const body = await metrics("funnel", NOVEMBER_ROME);
    expect(body.period).toEqual({
      from: "2026-10-31T23:00:00.000Z",
      to: "2026-11-30T23:00:00.000Z",
      timeZone: "Europe/Rome",
      bucket: "day",
    });
    // Now: C subscriber; D lead; A, E, G mql; B sql.
    const now = Object.fromEntries(body.stages.map((row: any) => [row.stage, row.contactsNow]));
    expect(now).toMatchObject({ subscriber: 1, lead: 1, mql: 3, sql: 1, opportunity: 0 });
    const reached = Object.fromEntries(body.stages.map((row: any) => [row.stage, row.reachedAtLeastNow]));
    expect(reached).toMatchObject({ subscriber: 6, lead: 5, mql: 4, sql: 1, opportunity: 0 });

    // subscriber: B, C, D created in the period; lead: A twice (once coming back from mql), B;
    // mql: A twice, G (E's entry is at the exclusive end); sql: B.
    expect(entriesOf(body)).toMatchObject({
      subscriber: { total: 3, forward: 3, backward: 0 },
      lead: { total: 3, forward: 2, backward: 1 },
      mql: { total: 3, forward: 3, backward: 0 },
      sql: { total: 1, forward: 1, backward: 0 },
      opportunity: { total: 0, forward: 0, backward: 0 },
    });
    // subscriber: B converted after 6 h; C never moved; D's move is after the period's end.
    expect(conversionOf(body, "subscriber")).toMatchObject({
      to: "lead",
      entered: 3,
      converted: 1,
      contactsConverted: 1,
      conversionRate: 0.3333,
      fellBack: 0,
      stillInStage: 2,
      medianHoursToConvert: 6,
    });
    // lead: A 48 h and 24 h (two conversions, one contact), B 216 h (skipping mql) → median 48 h.
    expect(conversionOf(body, "lead")).toMatchObject({
      to: "mql",
      entered: 3,
      converted: 3,
      contactsConverted: 2,
      conversionRate: 1,
      fellBack: 0,
      stillInStage: 0,
      medianHoursToConvert: 48,
    });
    // mql: A's first visit fell back (not a conversion), A's second and G's are still open.
    expect(conversionOf(body, "mql")).toMatchObject({
      entered: 3,
      converted: 0,
      conversionRate: 0,
      fellBack: 1,
      stillInStage: 2,
      medianHoursToConvert: null,
    });
    expect(conversionOf(body, "opportunity")).toMatchObject({ entered: 0, conversionRate: null });
    expect(body.backwardMoves).toEqual({ total: 1, moves: [{ from: "mql", to: "lead", moves: 1 }] });

    // Daily buckets by Rome dates: B was created and converted on 11-01 (Rome), C entered on 11-05,
    // D on 11-30 (23:59 Rome).
    const { buckets, series } = body.overTime;
    expect(buckets).toHaveLength(30);
    expect(buckets[0]).toBe("2026-11-01");
    expect(buckets[29]).toBe("2026-11-30");
    const subscriber = series.find((row: any) => row.from === "subscriber");
    expect(subscriber.entered[0]).toBe(1);
    expect(subscriber.converted[0]).toBe(1);
    expect(subscriber.conversionRate[0]).toBe(1);
    expect(subscriber.entered[4]).toBe(1);
    expect(subscriber.conversionRate[4]).toBe(0);
    expect(subscriber.entered[29]).toBe(1);
    expect(subscriber.conversionRate[1]).toBeNull();
    expect(subscriber.entered.reduce((a: number, b: number) => a + b, 0)).toBe(3);
  });

  test("the same dates in UTC move the edges: B's creation leaves, D's move and E's MQL entry come in", async () => {
    const body = await metrics("funnel", "from=2026-11-01&to=2026-11-30T23:59:59.999Z");
    expect(body.period.from).toBe("2026-11-01T00:00:00.000Z");
    // subscriber: C and D; lead: A twice, B, D; mql: A twice, E, G.
    expect(entriesOf(body)).toMatchObject({
      subscriber: { total: 2 },
      lead: { total: 4, backward: 1 },
      mql: { total: 4 },
    });
    // D moved to lead 31 minutes after it was created; C never moved.
    expect(conversionOf(body, "subscriber")).toMatchObject({
      entered: 2,
      converted: 1,
      medianHoursToConvert: 0.52,
    });
  });

  test("an empty period: no entries, rates are null, the counts of now stay", async () => {
    const body = await metrics("funnel", "from=2025-01-01&to=2025-01-31");
    expect(body.stages.every((row: any) => row.entries.total === 0)).toBe(true);
    expect(body.conversions.every((row: any) => row.entered === 0 && row.conversionRate === null)).toBe(true);
    expect(body.backwardMoves).toEqual({ total: 0, moves: [] });
    expect(body.stages.find((row: any) => row.stage === "mql").contactsNow).toBe(3);
  });
});

describe("sequences", () => {
  test("runs, outcomes by reason and email steps with rates", async () => {
    const { sequences } = await metrics("sequences", NOVEMBER_ROME);
    const cart = sequences.find((row: any) => row.sequenceKey === "cart-recovery");
    // R1..R4 started in the period (R5 in October); R4 ended after the period: running then.
    expect(cart).toMatchObject({
      sequenceVersion: 1,
      enrolled: 4,
      running: 1,
      completed: 1,
      exitedByGoal: 1,
      exitedOtherwise: { total: 1, byReason: [{ reason: "unsubscribed", runs: 1 }] },
      rates: { goal: 0.25, completion: 0.25 },
    });
    // Reminder: R1 (opened, clicked), R2 (opened), R3 (C unsubscribed after it), R4 suppressed.
    expect(cart.emailSteps.map((step: any) => step.stepId)).toEqual(["send-reminder", "send-incentive"]);
    expect(cart.emailSteps[0]).toMatchObject({
      attempted: 4,
      sent: 3,
      suppressed: 1,
      bounced: 0,
      deferred: 2,
      opened: 2,
      clicked: 1,
      unsubscribed: 1,
      rates: { open: 0.6667, click: 0.3333, clickToOpen: 0.5, unsubscribe: 0.3333, bounce: 0 },
    });
    expect(cart.emailSteps[1]).toMatchObject({ attempted: 1, sent: 1, deferred: 1, opened: 1, clicked: 0 });
    const welcome = sequences.find((row: any) => row.sequenceKey === "welcome");
    expect(welcome).toMatchObject({
      sequenceVersion: 2,
      enrolled: 1,
      exitedOtherwise: { total: 1, byReason: [{ reason: "hard bounce", runs: 1 }] },
    });
    expect(welcome.emailSteps[0]).toMatchObject({
      attempted: 1,
      sent: 0,
      bounced: 1,
      rates: { bounce: 1, open: null },
    });
    const postPurchase = sequences.find((row: any) => row.sequenceKey === "post-purchase");
    expect(postPurchase).toMatchObject({ enrolled: 1, running: 1 });
    expect(postPurchase.emailSteps.map((step: any) => [step.stepId, step.attempted, step.deferred])).toEqual([
      ["send-thanks", 1, 0],
      ["send-review", 0, 1],
    ]);
    expect(welcome.emailSteps[0].deferred).toBe(0);
  });

  test("a step put off on both sides of a month's end counts in the month of its first deferral", async () => {
    const { sequences } = await metrics("sequences", "from=2026-10-01&to=2026-10-31&tz=Europe/Rome");
    const cart = sequences.find((row: any) => row.sequenceKey === "cart-recovery");
    // R5 alone started in October: its reminder deferred and sent, its incentive deferred (10-31 22:30Z).
    expect(cart).toMatchObject({ enrolled: 1 });
    expect(cart.emailSteps.map((step: any) => [step.stepId, step.attempted, step.deferred])).toEqual([
      ["send-reminder", 1, 1],
      ["send-incentive", 0, 1],
    ]);
  });

  test("an empty period has no programs", async () => {
    expect((await metrics("sequences", "from=2025-01-01&to=2025-01-31")).sequences).toEqual([]);
  });
});

describe("scoring", () => {
  test("points earned up to the first MQL entry in the period, by rule and by event type", async () => {
    const body = await metrics("scoring", NOVEMBER_ROME);
    // A (11-04 by the threshold, 11-07 by the API) and G (11-20 by the threshold); E is at the end.
    expect(body.mqls).toEqual({
      contacts: 2,
      entries: 3,
      byThreshold: 2,
      bySource: [
        { source: "scoring", entries: 2 },
        { source: "api", entries: 1 },
      ],
    });
    // A: 1 + 10 + 10 + 8 before 11-04; G: 1 + 1 + 8 + 10 before 11-20 → 49.
    expect(body.totalPoints).toBe(49);
    expect(body.rules).toEqual([
      { rule: "form_submitted", points: 20, contributions: 2, contacts: 2, share: 0.4082 },
      { rule: "content_downloaded", points: 16, contributions: 2, contacts: 2, share: 0.3265 },
      { rule: "page_view[path=/pricing]", points: 10, contributions: 1, contacts: 1, share: 0.2041 },
      { rule: "page_view", points: 3, contributions: 3, contacts: 2, share: 0.0612 },
    ]);
    expect(body.eventTypes.map((row: any) => [row.eventType, row.points])).toEqual([
      ["form_submitted", 20],
      ["content_downloaded", 16],
      ["page_view", 13],
    ]);
  });

  test("an empty period", async () => {
    const body = await metrics("scoring", "from=2025-01-01&to=2025-01-31");
    expect(body).toMatchObject({
      mqls: { contacts: 0, entries: 0, byThreshold: 0 },
      totalPoints: 0,
      rules: [],
    });
  });
});

describe("customers", () => {
  test("revenue by segment, first orders, repeat purchase, attribution, CLV, segment sizes", async () => {
    const body = await metrics("customers", NOVEMBER_ROME);
    // In the period: O2, O3 (A, repeat), O4 (B, occasional, first), O6 (D, occasional, first).
    expect(body.totals).toEqual({
      orders: 4,
      revenue: 200,
      averageOrderValue: 50,
      buyers: 3,
      repeatBuyers: 1, // A; B's second order is after the period
      repeatPurchaseRate: 0.3333,
    });
    expect(body.newVersusExisting).toEqual({
      firstOrders: { orders: 2, revenue: 120 },
      existingCustomers: { orders: 2, revenue: 80 },
      existingCustomerRevenueShare: 0.4,
    });
    expect(body.bySegment).toEqual([
      { segment: "occasional", orders: 2, revenue: 120, revenueShare: 0.6, firstOrders: 2, buyers: 2 },
      { segment: "repeat", orders: 2, revenue: 80, revenueShare: 0.4, firstOrders: 0, buyers: 1 },
    ]);
    expect(body.attribution.programs).toEqual([
      { program: "cart-recovery", orders: 2, revenue: 130, orderShare: 0.5 },
      { program: "post-purchase", orders: 1, revenue: 30, orderShare: 0.25 },
    ]);
    // repeat: A (3 orders, 180); occasional: B (2, 100) and D (1, 40).
    expect(body.lifetimeValue.segments).toEqual([
      {
        segment: "occasional",
        customers: 2,
        lifetimeValue: 70,
        averageOrderValue: 46.67,
        ordersPerCustomer: 1.5,
      },
      { segment: "repeat", customers: 1, lifetimeValue: 180, averageOrderValue: 60, ordersPerCustomer: 3 },
    ]);
    const sizes = Object.fromEntries(body.segmentSizes.series.map((row: any) => [row.segment, row.sizes]));
    // End of Rome 11-01: A and B are new. End of 11-04: A is a lead, B occasional. End of 11-30: C lead,
    // A repeat, B occasional.
    expect([sizes.new[0], sizes.lead[0], sizes.occasional[0], sizes.repeat[0]]).toEqual([2, 0, 0, 0]);
    expect([sizes.new[3], sizes.lead[3], sizes.occasional[3], sizes.repeat[3]]).toEqual([0, 1, 1, 0]);
    expect([sizes.new[29], sizes.lead[29], sizes.occasional[29], sizes.repeat[29]]).toEqual([0, 1, 1, 1]);
  });

  test("an empty period: no orders, null rates; segment sizes worked back to zero", async () => {
    const body = await metrics("customers", "from=2025-01-01&to=2025-01-31");
    expect(body.totals).toEqual({
      orders: 0,
      revenue: 0,
      averageOrderValue: null,
      buyers: 0,
      repeatBuyers: 0,
      repeatPurchaseRate: null,
    });
    expect(body.attribution.programs.every((row: any) => row.orders === 0)).toBe(true);
    expect(body.segmentSizes.series.every((row: any) => row.sizes.every((size: number) => size === 0))).toBe(
      true,
    );
  });
});

describe("query validation", () => {
  test("bad dates, zones and reversed periods are 400 naming the field", async () => {
    const cases: Array<[string, string]> = [
      ["from=2026-13-01", "from"],
      ["from=2026-02-30", "from"],
      ["to=yesterday", "to"],
      ["from=2026-11-02&to=2026-11-01", "to"],
      ["tz=Mars/Olympus", "tz"],
      ["bucket=hour", "bucket"],
    ];
    for (const [query, field] of cases) {
      const response = await api(stack, "GET", `/v1/metrics/funnel?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.contentType).toContain("application/problem+json");
      expect(
        response.body.errors.map((error: any) => error.field),
        query,
      ).toEqual([field]);
    }
  });
});

describe("dashboard", () => {
  test("the page and the charting library are served without a build step", async () => {
    const page = await fetch(`${stack.baseUrl}/dashboard`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/dashboard/echarts.min.js"></script>');
    expect(html).toContain("/v1/metrics/");
    const library = await fetch(`${stack.baseUrl}/dashboard/echarts.min.js`);
    expect(library.status).toBe(200);
    expect(library.headers.get("content-type")).toContain("javascript");
    expect((await library.text()).length).toBeGreaterThan(500_000);
  });
});
