import { describe, expect, test } from "vitest";
import type { LifecycleStage } from "../../../../domain/lifecycle/stages.ts";
import type { ContactChange } from "../../../../domain/sequences/contact-change.ts";
import { legacyGoalReached } from "../../../../domain/sequences/legacy-definition.ts";
import { entryKeyFor } from "../../../../domain/sequences/triggers.ts";

const at = "2026-11-23T10:00:00.000Z";
const stage = (from: LifecycleStage | null, to: LifecycleStage): ContactChange => ({
  kind: "stage_changed",
  from,
  to,
  occurredAt: at,
});
const segment = (from: string | null, to: string): ContactChange => ({
  kind: "segment_changed",
  from,
  to,
  occurredAt: at,
});
const event = (eventType: string, properties: Record<string, unknown> = {}): ContactChange => ({
  kind: "event",
  eventType,
  properties,
  occurredAt: at,
});

describe("entryKeyFor", () => {
  test("stage_entered fires on entering that stage only", () => {
    const trigger = { type: "stage_entered", stage: "lead" } as const;
    expect(entryKeyFor(trigger, stage("subscriber", "lead"))).toBe("stage/lead");
    expect(entryKeyFor(trigger, stage("mql", "lead"))).toBe("stage/lead");
    expect(entryKeyFor(trigger, stage("lead", "mql"))).toBeNull();
    expect(entryKeyFor(trigger, segment(null, "lead"))).toBeNull();
  });

  test("stage_left fires when leaving that stage, forward or backward", () => {
    const trigger = { type: "stage_left", stage: "mql" } as const;
    expect(entryKeyFor(trigger, stage("mql", "sql"))).toBe("left-stage/mql");
    expect(entryKeyFor(trigger, stage("mql", "lead"))).toBe("left-stage/mql");
    expect(entryKeyFor(trigger, stage("lead", "mql"))).toBeNull();
  });

  test("segment triggers fire on entering and leaving a segment", () => {
    expect(entryKeyFor({ type: "segment_entered", segment: "at_risk" }, segment("repeat", "at_risk"))).toBe(
      "segment/at_risk",
    );
    expect(
      entryKeyFor({ type: "segment_entered", segment: "at_risk" }, segment("at_risk", "lost")),
    ).toBeNull();
    expect(entryKeyFor({ type: "segment_left", segment: "at_risk" }, segment("at_risk", "lost"))).toBe(
      "left-segment/at_risk",
    );
  });

  test("event triggers key the entry by the named property, and need it", () => {
    const trigger = { type: "event", eventType: "cart_abandoned", entryKeyProperty: "cartId" } as const;
    expect(entryKeyFor(trigger, event("cart_abandoned", { cartId: "c-42" }))).toBe("cartId/c-42");
    expect(entryKeyFor(trigger, event("cart_abandoned", { cartId: 7 }))).toBe("cartId/7");
    expect(entryKeyFor(trigger, event("cart_abandoned", {}))).toBeNull();
    expect(entryKeyFor(trigger, event("cart_updated", { cartId: "c-42" }))).toBeNull();
    expect(entryKeyFor({ type: "event", eventType: "review_posted" }, event("review_posted"))).toBe(
      "event/review_posted",
    );
  });
});

describe("legacyGoalReached (pre-v1 runs)", () => {
  test("stage and segment goals", () => {
    const goals = [
      { type: "stage_reached", stage: "sql" },
      { type: "segment_entered", segment: "repeat" },
    ] as const;
    expect(legacyGoalReached([...goals], stage("mql", "sql"), "stage/mql")).toBe("goal: stage sql reached");
    expect(legacyGoalReached([...goals], segment("occasional", "repeat"), "stage/mql")).toBe(
      "goal: segment repeat entered",
    );
    expect(legacyGoalReached([...goals], stage("mql", "lead"), "stage/mql")).toBeNull();
  });

  test("an event goal with sameEntry only counts for the run's own cart", () => {
    const goals = [{ type: "event", eventType: "order_placed", sameEntry: true }] as const;
    expect(legacyGoalReached([...goals], event("order_placed", { cartId: "c-1" }), "cartId/c-1")).toBe(
      "goal: order_placed",
    );
    expect(legacyGoalReached([...goals], event("order_placed", { cartId: "c-2" }), "cartId/c-1")).toBeNull();
    expect(legacyGoalReached([...goals], event("order_placed", {}), "cartId/c-1")).toBeNull();
    expect(
      legacyGoalReached([{ type: "event", eventType: "order_placed" }], event("order_placed"), "cartId/c-1"),
    ).toBe("goal: order_placed");
  });
});
