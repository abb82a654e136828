import { describe, expect, test } from "vitest";
import { DEMO_EMAIL_DOMAIN, demoPopulation } from "../../../../domain/demo/demo-population.ts";

const end = new Date("2026-12-01T12:00:00Z");
const DAY = 86_400_000;
const plan = demoPopulation({ contacts: 300, days: 182, end });

describe("demoPopulation", () => {
  test("the same options give the same plan; another seed another one", () => {
    expect(demoPopulation({ contacts: 300, days: 182, end })).toEqual(plan);
    expect(demoPopulation({ contacts: 300, days: 182, end, seed: 2 })).not.toEqual(plan);
  });

  test("in time order, inside the period, one address per contact", () => {
    const times = plan.map((action) => action.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(end.getTime() - 182 * DAY);
    expect(Math.max(...times)).toBeLessThanOrEqual(end.getTime());
    const emails = new Set(plan.map((action) => ("email" in action ? action.email : "")));
    expect(emails.size).toBe(300);
    for (const email of emails) expect(email.endsWith(`@${DEMO_EMAIL_DOMAIN}`)).toBe(true);
  });

  test("each contact's first action is a touchpoint: ingestion creates the contact before anything else", () => {
    const first = new Map<string, string>();
    for (const action of plan) if (!first.has(action.email)) first.set(action.email, action.kind);
    expect(new Set(first.values())).toEqual(new Set(["event"]));
  });

  test("idempotency keys, run ids and ledger keys are unique", () => {
    const keys = plan.flatMap((action) => (action.kind === "event" ? [action.idempotencyKey] : []));
    expect(new Set(keys).size).toBe(keys.length);
    const runs = plan.flatMap((action) => (action.kind === "run" ? [action.runId] : []));
    expect(new Set(runs).size).toBe(runs.length);
    const sends = plan.flatMap((action) =>
      action.kind === "send" ? [`${action.runId}/${action.stepId}`] : [],
    );
    expect(new Set(sends).size).toBe(sends.length);
  });

  test("a send follows its run, an open its send, a deferral comes before the send it held", () => {
    const seen = new Set<string>();
    for (const action of plan) {
      if (action.kind === "run") seen.add(action.runId);
      if (action.kind === "send") {
        expect(seen.has(action.runId)).toBe(true);
        if (action.deferredAt) expect(action.deferredAt.getTime()).toBeLessThan(action.at.getTime());
        seen.add(`${action.runId}/${action.stepId}`);
      }
      if (action.kind === "engage") expect(seen.has(`${action.runId}/${action.stepId}`)).toBe(true);
    }
  });

  test("the population has every kind of behaviour the metrics read, backward moves included", () => {
    const count = (predicate: (action: (typeof plan)[number]) => boolean) => plan.filter(predicate).length;
    for (const type of [
      "page_view",
      "form_submitted",
      "content_downloaded",
      "cart_updated",
      "cart_abandoned",
      "order_placed",
    ])
      expect(
        count((action) => action.kind === "event" && action.type === type),
        type,
      ).toBeGreaterThan(0);
    expect(count((action) => action.kind === "stage" && action.to === "sql")).toBeGreaterThan(0);
    expect(
      count((action) => action.kind === "stage" && (action.to === "lead" || action.to === "mql")),
    ).toBeGreaterThan(0);
    expect(count((action) => action.kind === "send" && action.deferredAt !== null)).toBeGreaterThan(0);
    expect(count((action) => action.kind === "engage" && action.engagement === "click")).toBeGreaterThan(0);
    expect(count((action) => action.kind === "run" && action.status === "exited")).toBeGreaterThan(0);
  });
});
