// Issue 9, cart recovery end to end through the HTTP API: the built-in program with second-scale
// waits, published and activated through the API; the reminder read back from SMTP lists the stored
// cart's lines; a purchase between the reminders ends the run after one reminder; an abandonment that
// arrives after the purchase starts no run.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BUILT_IN_SEQUENCES } from "../../domain/sequences/built-in-sequences.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let keySeq = 0;

// The shipped program with its 1 h and 1 d waits shortened to seconds.
function shortWaits(definition: unknown): unknown {
  const waits: Record<string, string> = { "wait-before-reminder": "1s", "wait-before-incentive": "30s" };
  return JSON.parse(JSON.stringify(definition), (_key, value) =>
    value && typeof value === "object" && typeof value.id === "string" && waits[value.id]
      ? { ...value, duration: waits[value.id] }
      : value,
  );
}

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  const created = await api(stack, "POST", "/v1/sequences", shortWaits(BUILT_IN_SEQUENCES["cart-recovery"]));
  expect(created.status).toBe(201);
  expect((await api(stack, "POST", "/v1/sequences/cart-recovery/activate")).status).toBe(200);
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

function event(type: string, email: string, properties: Record<string, unknown>) {
  keySeq += 1;
  return {
    type,
    contact: { email },
    occurredAt: new Date(Date.now() - 1000).toISOString(),
    properties,
    idempotencyKey: `cart-program-${keySeq}`,
  };
}

async function post(...events: unknown[]) {
  const response = await api(stack, "POST", "/v1/events", { events });
  expect(response.status).toBe(200);
  return response.body.results[0].contactId as string;
}

async function enrollments(contactId: string): Promise<any[]> {
  const listed = await api(stack, "GET", `/v1/enrollments?contactId=${contactId}&sequence=cart-recovery`);
  return listed.body.enrollments;
}

const mailTo = (email: string) => sink.messages().filter((message) => message.envelope.to.includes(email));

const lines = [
  {
    name: "Trail running shoes",
    quantity: 1,
    price: 129,
    url: "https://shop.example.com/p/trail-shoes",
    imageUrl: "https://shop.example.com/images/trail-shoes.jpg",
  },
  { name: "Merino socks", quantity: 2, price: 18 },
];

describe("cart recovery", () => {
  test("a cart bought between the reminders gets exactly one reminder, listing the cart", async () => {
    const email = "cart-buyer@example.com";
    const created = await api(stack, "POST", "/v1/contacts", {
      email,
      name: "Ada Byron",
      marketingConsent: true,
    });
    expect(created.status).toBe(201);
    const contactId = await post(
      event("cart_updated", email, {
        cartId: "cart-a",
        items: lines,
        currency: "EUR",
        url: "https://shop.example.com/cart/a",
      }),
    );
    await post(event("cart_abandoned", email, { cartId: "cart-a" }));

    const reminder = await sink.waitForMessage((message) => message.envelope.to.includes(email), 20_000);
    expect(reminder.subject).toBe("You left something in your cart");
    expect(reminder.html).toContain('src="https://shop.example.com/images/trail-shoes.jpg"');
    expect(reminder.html).toContain('href="https://shop.example.com/cart/a"');
    expect(reminder.text).toContain("Hi Ada");
    expect(reminder.text).toContain("Qty 2 · €18.00 each = €36.00");
    expect(reminder.text).toContain("Total €165.00");

    await post(
      event("order_placed", email, { orderId: "order-a", cartId: "cart-a", total: 165, currency: "EUR" }),
    );
    await waitUntil(async () => (await enrollments(contactId))[0]?.status === "exited", 20_000);
    const [run] = await enrollments(contactId);
    expect(run).toMatchObject({ entryKey: "cartId/cart-a", status: "exited" });
    expect(run.exitReason).toMatch(/order_placed/);
    expect(mailTo(email)).toHaveLength(1);
  });

  test("an abandonment reported after the purchase starts no run", async () => {
    const email = "late-report@example.com";
    await api(stack, "POST", "/v1/contacts", { email, marketingConsent: true });
    const contactId = await post(
      event("cart_updated", email, { cartId: "cart-b", items: lines }),
      event("order_placed", email, { orderId: "order-b", cartId: "cart-b", total: 165 }),
    );
    await post(event("cart_abandoned", email, { cartId: "cart-b" }));
    // A later, genuine abandonment of another cart: once its run exists, the earlier one was handled.
    await post(event("cart_abandoned", email, { cartId: "cart-c" }));
    await waitUntil(async () => (await enrollments(contactId)).length > 0, 20_000);
    expect((await enrollments(contactId)).map((run) => run.entryKey)).toEqual(["cartId/cart-c"]);
  });
});
