// `npm run demo:data` on a test database with a small population: it writes through the ingestion
// code, every metrics route then has something to show over the six months, and a second run refuses
// without writing anything.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeDemoData } from "../support/demo-data.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

const CONTACTS = 60;
let stack: TestStack;
let firstRun: ReturnType<typeof writeDemoData>;

const runDemoData = () => writeDemoData(stack.config.databaseUrl, CONTACTS);

const sixMonths = () => {
  const from = new Date(Date.now() - 183 * 86_400_000).toISOString().slice(0, 10);
  return `from=${from}&bucket=week`;
};

const metrics = async (name: string) => {
  const response = await api(stack, "GET", `/v1/metrics/${name}?${sixMonths()}`);
  expect(response.status).toBe(200);
  return response.body;
};

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:1" });
  firstRun = runDemoData();
}, 660_000);

afterAll(async () => {
  await stack?.stop();
});

describe("npm run demo:data", () => {
  test("writes the population with progress, through the ingestion code", async () => {
    expect(firstRun.status, String(firstRun.stderr)).toBe(0);
    expect(firstRun.stdout).toMatch(/% \(\d+ contacts, \d+ events/);
    expect(await stack.store.contact.count()).toBe(CONTACTS);
    // Ingested events carry the idempotency keys the plan gave them; scores were earned on the way.
    expect(
      await stack.store.event.count({ where: { idempotencyKey: { startsWith: "demo/" } } }),
    ).toBeGreaterThan(CONTACTS);
    expect(await stack.store.scoreContribution.count()).toBeGreaterThan(0);
    // Opens and clicks went through the tracking code: events of their own beside the ledger's times.
    expect(await stack.store.event.count({ where: { type: "email_opened" } })).toBe(
      await stack.store.sendLedger.count({ where: { firstOpenedAt: { not: null } } }),
    );
    // History, not work for a worker: nothing is left for the outbox dispatcher.
    expect(await stack.store.outbox.count({ where: { dispatchedAt: null } })).toBe(0);
  });

  test("every metrics route answers with data over the six months", async () => {
    const funnel = await metrics("funnel");
    const entries = Object.fromEntries(funnel.stages.map((row: any) => [row.stage, row.entries]));
    expect(entries.subscriber.total).toBe(CONTACTS);
    for (const stage of ["lead", "mql", "customer"]) expect(entries[stage].total).toBeGreaterThan(0);
    expect(funnel.backwardMoves.total).toBeGreaterThan(0);
    expect(funnel.conversions.some((row: any) => row.converted > 0)).toBe(true);

    const { sequences } = await metrics("sequences");
    const keys = sequences.map((row: any) => row.sequenceKey);
    expect(keys).toEqual(
      expect.arrayContaining(["welcome", "nurture-lead", "cart-recovery", "post-purchase"]),
    );
    const steps = sequences.flatMap((row: any) => row.emailSteps);
    for (const count of ["sent", "deferred", "opened", "clicked"])
      expect(
        steps.reduce((sum: number, step: any) => sum + step[count], 0),
        count,
      ).toBeGreaterThan(0);

    const scoring = await metrics("scoring");
    expect(scoring.mqls.contacts).toBeGreaterThan(0);
    expect(scoring.mqls.byThreshold).toBeGreaterThan(0);
    expect(scoring.rules.length).toBeGreaterThan(0);

    const customers = await metrics("customers");
    expect(customers.totals.orders).toBeGreaterThan(0);
    expect(customers.bySegment.length).toBeGreaterThan(0);
    expect(customers.lifetimeValue.segments.length).toBeGreaterThan(0);
    expect(customers.segmentSizes.series.some((row: any) => row.sizes.some((size: number) => size > 0))).toBe(
      true,
    );
  });

  test("a second run on the same data refuses and writes nothing", async () => {
    const before = await stack.store.event.count();
    const second = runDemoData();
    expect(second.status).toBe(1);
    expect(second.stderr).toContain("demo data is already in this database");
    expect(await stack.store.event.count()).toBe(before);
    expect(await stack.store.contact.count()).toBe(CONTACTS);
  }, 120_000);
});
