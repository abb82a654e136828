import { describe, expect, it } from "vitest";
import { isEventType, TOUCHPOINT_TYPES } from "../../../../domain/events/event-types.ts";

describe("isEventType", () => {
  it("accepts every built-in touchpoint", () => {
    expect(TOUCHPOINT_TYPES).toHaveLength(12);
    for (const type of TOUCHPOINT_TYPES) expect(isEventType(type)).toBe(true);
  });

  it.each(["custom.deal_opened", "custom.a", "custom.webinar.attended", "custom.plan-upgraded_2"])(
    "accepts the custom type %s",
    (type) => expect(isEventType(type)).toBe(true),
  );

  it("accepts a custom name of exactly 64 characters and rejects 65", () => {
    expect(isEventType(`custom.${"a".repeat(64)}`)).toBe(true);
    expect(isEventType(`custom.${"a".repeat(65)}`)).toBe(false);
  });

  it.each([
    "",
    "custom.",
    "custom.Deal",
    "custom.deal opened",
    "custom.deal/opened",
    "Custom.deal",
    "deal_opened",
    "page_views",
    "PAGE_VIEW",
    " page_view",
    "x.custom.deal",
    "custom.deal\n",
  ])("rejects %j", (type) => expect(isEventType(type)).toBe(false));
});
