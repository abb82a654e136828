import { describe, expect, test } from "vitest";
import {
  eventTypeForName,
  DEFAULT_TRACKING_EVENT_MAPPING as MAPPING,
  snakeCaseName,
} from "../../../../domain/integrations/tracking-event-mapping.ts";
import {
  mapTrackingMessage,
  occurredAtOf,
  type TrackingMessage,
} from "../../../../domain/integrations/tracking-messages.ts";

const receivedAt = new Date("2026-11-30T12:00:00.000Z");

function message(fields: Partial<TrackingMessage>): TrackingMessage {
  return { type: "track", messageId: "m-1", properties: {}, traits: {}, context: {}, ...fields };
}

function mapped(fields: Partial<TrackingMessage>) {
  const outcome = mapTrackingMessage(message(fields), MAPPING, receivedAt);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
  return outcome.mapped;
}

function problems(fields: Partial<TrackingMessage>) {
  const outcome = mapTrackingMessage(message(fields), MAPPING, receivedAt);
  return outcome.ok ? [] : outcome.problems.map((problem) => problem.field);
}

describe("event names", () => {
  test("snake_case from spaces, camelCase, dashes and accents", () => {
    expect(snakeCaseName("Order Completed")).toBe("order_completed");
    expect(snakeCaseName("videoPlayed")).toBe("video_played");
    expect(snakeCaseName("  Démo -- réservée! ")).toBe("demo_reservee");
  });

  test("spec events map whatever their spelling; own type names map to themselves", () => {
    expect(eventTypeForName("Order Completed", MAPPING)).toBe("order_placed");
    expect(eventTypeForName("order_completed", MAPPING)).toBe("order_placed");
    expect(eventTypeForName("Signed Up", MAPPING)).toBe("form_submitted");
    expect(eventTypeForName("Cart Viewed", MAPPING)).toBe("cart_updated");
    expect(eventTypeForName("Review Submitted", MAPPING)).toBe("review_posted");
    expect(eventTypeForName("Referral Sent", MAPPING)).toBe("referral_made");
    expect(eventTypeForName("form_submitted", MAPPING)).toBe("form_submitted");
    expect(eventTypeForName("custom.deal_opened", MAPPING)).toBe("custom.deal_opened");
  });

  test("anything else is custom.<snake_case>, cut to 64 characters; a name without letters is refused", () => {
    expect(eventTypeForName("Video Played", MAPPING)).toBe("custom.video_played");
    expect(eventTypeForName("x".repeat(80), MAPPING)).toBe(`custom.${"x".repeat(64)}`);
    expect(eventTypeForName("!!!", MAPPING)).toBeNull();
  });

  test("the table is configurable", () => {
    const mapping = { ...MAPPING, events: { "Demo Booked": "custom.deal_opened" } };
    expect(eventTypeForName("demo booked", mapping)).toBe("custom.deal_opened");
    expect(eventTypeForName("Order Completed", mapping)).toBe("custom.order_completed");
  });
});

describe("clock skew", () => {
  test("timestamp + (receivedAt − sentAt)", () => {
    // The client's clock is 10 minutes behind: it says it sent at 11:50 what the server got at 12:00.
    const at = occurredAtOf(
      message({
        timestamp: new Date("2026-11-30T11:45:00.000Z"),
        sentAt: new Date("2026-11-30T11:50:00.000Z"),
      }),
      receivedAt,
    );
    expect(at.toISOString()).toBe("2026-11-30T11:55:00.000Z");
  });

  test("originalTimestamp when there is no timestamp; no sentAt, no correction; never after receipt", () => {
    const original = new Date("2026-11-30T11:00:00.000Z");
    expect(occurredAtOf(message({ originalTimestamp: original }), receivedAt)).toEqual(original);
    expect(occurredAtOf(message({}), receivedAt)).toEqual(receivedAt);
    const ahead = message({ timestamp: new Date("2026-12-01T00:00:00Z"), sentAt: receivedAt });
    expect(occurredAtOf(ahead, receivedAt)).toEqual(receivedAt);
  });

  test("a time before 2000 after correction is refused", () => {
    expect(problems({ userId: "u", event: "X", timestamp: new Date("1999-01-01T00:00:00Z") })).toEqual([
      "timestamp",
    ]);
  });
});

describe("track", () => {
  test("Order Completed → order_placed with orderId, total and the spec's properties", () => {
    const result = mapped({
      userId: "u-1",
      event: "Order Completed",
      properties: { order_id: "o-1", revenue: 90, total: 99.5, products: [{ sku: "a", price: 99.5 }] },
    });
    expect(result.contact).toEqual({ externalId: "u-1" });
    expect(result.event).toMatchObject({
      type: "order_placed",
      idempotencyKey: "m-1",
      properties: { order_id: "o-1", orderId: "o-1", total: 99.5, revenue: 90, cartId: "user:u-1" },
    });
    expect(result.profile).toBeUndefined();
  });

  test("an order takes revenue, then the products' sum, when total is missing", () => {
    const revenue = mapped({
      userId: "u",
      event: "Order Completed",
      properties: { order_id: "o", revenue: "12.5" },
    });
    expect(revenue.event?.properties.total).toBe(12.5);
    const products = mapped({
      anonymousId: "a",
      event: "Order Completed",
      properties: { order_id: "o", cart_id: "c-9", products: [{ price: 10, quantity: 2 }, { price: 5 }] },
    });
    expect(products.event?.properties).toMatchObject({ total: 25, cartId: "c-9" });
  });

  test("an order without order_id or amount is refused, naming both fields", () => {
    expect(problems({ userId: "u", event: "Order Completed", properties: {} })).toEqual([
      "properties.order_id",
      "properties.total",
    ]);
  });

  test("cart events carry cartId, value and items; without cart_id the device's cart", () => {
    const viewed = mapped({
      anonymousId: "a-1",
      userId: "u-1",
      event: "Cart Viewed",
      properties: { products: [{ sku: "a", price: 3, quantity: 2 }] },
    });
    expect(viewed.event).toMatchObject({
      type: "cart_updated",
      properties: { cartId: "anon:a-1", value: 6, items: [{ sku: "a", price: 3, quantity: 2 }] },
    });
    const abandoned = mapped({
      userId: "u",
      event: "Cart Abandoned",
      properties: { cart_id: "c", value: 4 },
    });
    expect(abandoned.event).toMatchObject({ type: "cart_abandoned", properties: { cartId: "c", value: 4 } });
  });

  test("context.traits.email names the contact; a message without userId or anonymousId is refused", () => {
    const result = mapped({
      anonymousId: "a",
      event: "Video Played",
      context: { traits: { email: "x@y.z" } },
    });
    expect(result.contact).toEqual({ email: "x@y.z", anonymousId: "a" });
    expect(result.event?.type).toBe("custom.video_played");
    expect(problems({ event: "Video Played" })).toEqual(["userId"]);
  });
});

describe("identify, page, alias, group, consent", () => {
  test("identify: userId, email, name, time zone and consent to the contact's fields, other traits as properties", () => {
    const result = mapped({
      type: "identify",
      userId: "u-1",
      anonymousId: "a-1",
      traits: {
        email: "ada@example.com",
        firstName: "Ada",
        lastName: "Lovelace",
        plan: "pro",
        marketingConsent: true,
      },
      context: { timezone: "Europe/London" },
    });
    expect(result.contact).toEqual({ externalId: "u-1", email: "ada@example.com", anonymousId: "a-1" });
    expect(result.event).toBeUndefined();
    expect(result.profile).toMatchObject({
      fields: {
        email: "ada@example.com",
        name: "Ada Lovelace",
        timeZone: "Europe/London",
        marketingConsent: true,
      },
      properties: { firstName: "Ada", lastName: "Lovelace", plan: "pro" },
      idempotencyKey: "m-1",
    });
  });

  test("an explicit time zone trait must be valid; a device's odd one is ignored", () => {
    expect(problems({ type: "identify", userId: "u", traits: { timezone: "Mars/Base" } })).toEqual([
      "traits.timezone",
    ]);
    const device = mapped({ type: "identify", userId: "u", context: { timezone: "Mars/Base" } });
    expect(device.profile?.fields.timeZone).toBeUndefined();
  });

  test("page → page_view with the page context; screen → page_view with the screen name", () => {
    const page = mapped({
      type: "page",
      anonymousId: "a",
      name: "Pricing",
      context: { page: { path: "/pricing", url: "https://x.test/pricing", title: "Pricing", ignored: 1 } },
    });
    expect(page.event).toMatchObject({
      type: "page_view",
      properties: { path: "/pricing", url: "https://x.test/pricing", title: "Pricing", name: "Pricing" },
    });
    expect(page.event?.properties).not.toHaveProperty("ignored");
    const screen = mapped({ type: "screen", userId: "u", name: "Home" });
    expect(screen.event).toMatchObject({ type: "page_view", properties: { screen: "Home" } });
  });

  test("alias merges the previous id into the user; group keeps the account on the contact", () => {
    const alias = mapped({ type: "alias", userId: "u-1", previousId: "a-1" });
    expect(alias.contact).toEqual({ externalId: "u-1", anonymousId: "a-1" });
    expect(alias.profile).toBeDefined();
    expect(problems({ type: "alias", previousId: "a-1" })).toEqual(["userId"]);
    const group = mapped({ type: "group", userId: "u-1", groupId: "g-1", traits: { industry: "retail" } });
    expect(group.profile?.properties).toEqual({ groupId: "g-1", group: { industry: "retail" } });
    expect(problems({ type: "group", userId: "u-1" })).toEqual(["groupId"]);
  });

  test("Segment's consent preferences set marketing consent on any call", () => {
    const granted = mapped({
      type: "page",
      anonymousId: "a",
      context: { consent: { categoryPreferences: { Marketing: true, Analytics: false } } },
    });
    expect(granted.event?.type).toBe("page_view");
    expect(granted.profile?.fields).toEqual({ marketingConsent: true });
    const other = mapped({
      anonymousId: "a",
      event: "X",
      context: { consent: { categoryPreferences: { ads: true } } },
    });
    expect(other.profile).toBeUndefined();
  });
});
