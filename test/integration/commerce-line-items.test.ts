// Issue 9: carts and orders carry their lines (name, quantity, price, link, picture) from the events
// into the store, a bought cart stays bought, and an abandonment that arrives after the purchase
// announces nothing, so cart recovery has nothing to start.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withCommerceData } from "../../activities/email/commerce-template-data.ts";
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

const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

function event(type: string, email: string, properties: Record<string, unknown>, secondsAgo = 5) {
  keySeq += 1;
  return {
    type,
    contact: { email },
    occurredAt: at(secondsAgo),
    properties,
    idempotencyKey: `line-${keySeq}`,
  };
}

const shoes = {
  name: "Trail running shoes",
  quantity: 1,
  price: 129,
  url: "https://shop.example.com/p/trail-shoes",
  imageUrl: "https://shop.example.com/images/trail-shoes.jpg",
  sku: "TRS-42",
};
const socks = { name: "Merino socks", quantity: 2, price: 18 };

async function abandonmentsAnnounced(contactId: string): Promise<number> {
  const rows = await stack.store.outbox.findMany({ where: { contactId } });
  return rows.filter((row) => JSON.stringify(row.payload).includes('"cart_abandoned"')).length;
}

describe("line items on carts and orders", () => {
  test("cart_updated stores the lines, currency and link; the email data shows them written out", async () => {
    const email = "cart@example.com";
    const cart = { cartId: "cart-1", currency: "EUR", url: "https://shop.example.com/cart/1" };
    const sent = await api(stack, "POST", "/v1/events", {
      events: [
        event("cart_updated", email, { ...cart, items: [shoes] }, 20),
        event("cart_updated", email, { cartId: "cart-1", items: [shoes, socks] }, 10),
        event("cart_abandoned", email, { cartId: "cart-1" }, 5),
      ],
    });
    expect(sent.status).toBe(200);
    const stored = await stack.store.cart.findUniqueOrThrow({ where: { id: "cart-1" } });
    expect(stored).toMatchObject({
      status: "abandoned",
      currency: "EUR",
      url: cart.url,
      items: [shoes, socks],
    });
    const contact = await stack.store.contact.findUniqueOrThrow({ where: { email } });
    expect(await abandonmentsAnnounced(contact.id)).toBe(1);

    // What a cart-recovery email started by the bare cart_abandoned gets to show.
    const data = await withCommerceData(stack.store, contact.id, {
      cart: { id: "cart-1", cartId: "cart-1" },
    });
    expect(data.cart).toMatchObject({
      url: cart.url,
      total: "€165.00",
      items: [
        {
          name: "Trail running shoes",
          quantity: 1,
          price: "€129.00",
          lineTotal: "€129.00",
          imageUrl: shoes.imageUrl,
        },
        { name: "Merino socks", quantity: 2, price: "€18.00", lineTotal: "€36.00" },
      ],
    });
    // Another contact naming the same cart id sees nothing of it.
    const other = await api(stack, "POST", "/v1/contacts", { email: "other@example.com" });
    const foreign = await withCommerceData(stack.store, other.body.id, { cart: { id: "cart-1" } });
    expect(foreign.cart).toEqual({ id: "cart-1", items: [], total: undefined });
  });

  test("order_placed stores its lines; an abandonment arriving after the purchase is not announced", async () => {
    const email = "buyer@example.com";
    const bought = await api(stack, "POST", "/v1/events", {
      events: [
        event("cart_updated", email, { cartId: "cart-2", items: [socks] }, 30),
        event(
          "order_placed",
          email,
          { orderId: "o-2", cartId: "cart-2", total: 36, currency: "USD", items: [socks] },
          20,
        ),
      ],
    });
    expect(bought.status).toBe(200);
    expect(await stack.store.order.findUniqueOrThrow({ where: { id: "o-2" } })).toMatchObject({
      currency: "USD",
      items: [socks],
    });

    // The shop's abandonment timer fires late, with an earlier or a later time: both are stale.
    for (const secondsAgo of [25, 2]) {
      const late = await api(
        stack,
        "POST",
        "/v1/events",
        event("cart_abandoned", email, { cartId: "cart-2" }, secondsAgo),
      );
      expect(late.status).toBe(200);
      expect(late.body.accepted).toBe(1);
    }
    const cart = await stack.store.cart.findUniqueOrThrow({ where: { id: "cart-2" } });
    expect(cart.status).toBe("purchased");
    expect(cart.abandonedAt).toBeNull();
    const contact = await stack.store.contact.findUniqueOrThrow({ where: { email } });
    expect(await abandonmentsAnnounced(contact.id)).toBe(0);
    expect(contact.segment).not.toBe("waiting");
  });

  test("a purchase and an abandonment of one cart in one batch announce no abandonment, in either order", async () => {
    const email = "same-batch@example.com";
    const response = await api(stack, "POST", "/v1/events", {
      events: [
        event("order_placed", email, { orderId: "o-3", cartId: "cart-3", total: 10 }, 9),
        event("cart_abandoned", email, { cartId: "cart-3" }, 8),
        event("cart_abandoned", email, { cartId: "cart-4" }, 7),
        event("order_placed", email, { orderId: "o-4", cartId: "cart-4", total: 10 }, 6),
      ],
    });
    expect(response.status).toBe(200);
    const carts = await stack.store.cart.findMany({ where: { id: { in: ["cart-3", "cart-4"] } } });
    expect(carts.map((cart) => cart.status)).toEqual(["purchased", "purchased"]);
    const contact = await stack.store.contact.findUniqueOrThrow({ where: { email } });
    expect(await abandonmentsAnnounced(contact.id)).toBe(0);
  });

  test("malformed lines are refused naming each field, and nothing is written", async () => {
    const email = "bad-lines@example.com";
    const response = await api(stack, "POST", "/v1/events", {
      events: [
        event("cart_updated", email, {
          cartId: "cart-bad",
          currency: "euro",
          items: [{ name: "", quantity: 0, price: -1, url: "javascript:alert(1)" }],
        }),
        event("order_placed", email, {
          orderId: "o-bad",
          total: 5,
          items: "two shoes",
          recommendations: [{ name: "x" }],
        }),
      ],
    });
    expect(response.status).toBe(400);
    expect(response.contentType).toContain("application/problem+json");
    const fields = JSON.stringify(response.body);
    for (const field of [
      "events.0.properties.currency",
      "events.0.properties.items.0.name",
      "events.0.properties.items.0.quantity",
      "events.0.properties.items.0.price",
      "events.0.properties.items.0.url",
      "events.1.properties.items",
      "events.1.properties.recommendations.0.url",
    ]) {
      expect(fields).toContain(field);
    }
    expect(await stack.store.cart.count({ where: { id: "cart-bad" } })).toBe(0);
    expect(await stack.store.contact.count({ where: { email } })).toBe(0);
  });
});
