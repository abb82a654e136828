import { describe, expect, test } from "vitest";
import { durationMs, parseDuration } from "../../../../domain/sequences/duration.ts";
import { entryTemplateData } from "../../../../domain/sequences/entry-data.ts";
import {
  enrollmentId,
  sendLedgerKey,
  sequenceWorkflowId,
} from "../../../../domain/sequences/workflow-ids.ts";

describe("durations", () => {
  test.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["3d", 259_200_000],
    ["1w", 604_800_000],
    ["1.5h", 5_400_000],
  ])("%s is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "3", "d", "-1d", "3 days", "1y"])("%j is refused", (text) => {
    expect(parseDuration(text)).toBeNull();
    expect(() => durationMs(text)).toThrow(/invalid duration/);
  });
});

describe("ids", () => {
  test("workflow ids explain themselves; enrollments and ledger keys derive from them", () => {
    const workflowId = sequenceWorkflowId("cart-recovery", "c-1", "cartId/42");
    expect(workflowId).toBe("seq/cart-recovery/contact/c-1/cartId/42");
    expect(enrollmentId(workflowId, "17")).toBe("seq/cart-recovery/contact/c-1/cartId/42@17");
    expect(sendLedgerKey(enrollmentId(workflowId, "17"), "send-reminder")).toBe(
      "seq/cart-recovery/contact/c-1/cartId/42@17#send-reminder",
    );
  });
});

describe("entry data for templates", () => {
  const at = "2026-11-23T10:00:00.000Z";
  test("a cart event gives {{cart}}, an order event {{order}} and {{product}}", () => {
    expect(
      entryTemplateData({
        kind: "event",
        eventType: "cart_abandoned",
        properties: { cartId: "c1", total: "$9" },
        occurredAt: at,
      }),
    ).toEqual({ cart: { id: "c1", cartId: "c1", total: "$9" } });
    const product = { name: "Lamp", reviewUrl: "https://shop.test/r" };
    expect(
      entryTemplateData({
        kind: "event",
        eventType: "order_placed",
        properties: { orderId: "o1", product },
        occurredAt: at,
      }),
    ).toEqual({ order: { id: "o1", orderId: "o1", product }, product });
  });

  test("stage changes carry no entry data; other events are available as {{event}}", () => {
    expect(
      entryTemplateData({ kind: "stage_changed", from: "subscriber", to: "lead", occurredAt: at }),
    ).toEqual({});
    expect(
      entryTemplateData({
        kind: "event",
        eventType: "review_posted",
        properties: { stars: 5 },
        occurredAt: at,
      }),
    ).toEqual({ event: { stars: 5 } });
  });
});
