// Issue 9, cart recovery end to end through the HTTP API: the built-in program with second-scale
// waits, published and activated through the API; the reminder read back from SMTP lists the stored
// cart's lines; the contact is `waiting` while the cart is open; a purchase between the reminders ends
// the run after one reminder; an abandonment that arrives after the purchase starts no run.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  contactState,
  createContact,
  enrollmentsOf,
  contactEvent as event,
  mailTo,
  type ProgramStack,
  postEvents,
  startProgramStack,
} from "../support/program-test.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let programs: ProgramStack;
let sink: SmtpSink;
let stack: TestStack;

beforeAll(async () => {
  programs = await startProgramStack({
    "cart-recovery": { durations: { "wait-before-reminder": "1s", "wait-before-incentive": "30s" } },
  });
  ({ stack, sink } = programs);
});

afterAll(async () => {
  await programs?.stop();
});

const post = (...events: unknown[]) => postEvents(stack, ...events);
const enrollments = (contactId: string) => enrollmentsOf(stack, contactId, "cart-recovery");

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
    await createContact(stack, email, "Ada Byron");
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
    // A prospect with an open, abandoned cart is waiting for the run to bring them back.
    expect((await contactState(stack, contactId)).segment).toBe("waiting");

    await post(
      event("order_placed", email, { orderId: "order-a", cartId: "cart-a", total: 165, currency: "EUR" }),
    );
    await waitUntil(async () => (await enrollments(contactId))[0]?.status === "exited", 20_000);
    const [run] = await enrollments(contactId);
    expect(run).toMatchObject({ entryKey: "cartId/cart-a", status: "exited" });
    expect(run?.exitReason).toMatch(/order_placed/);
    expect(mailTo(sink, email)).toHaveLength(1);
    expect(await contactState(stack, contactId)).toMatchObject({
      lifecycleStage: "customer",
      segment: "occasional",
    });
  });

  test("an abandonment reported after the purchase starts no run", async () => {
    const email = "late-report@example.com";
    await createContact(stack, email, "Late Reporter");
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

  test("the simulator agrees: only an order for the run's own cart ends it", async () => {
    const simulated = (cartId: string) =>
      api(stack, "POST", "/v1/sequences/cart-recovery/simulate", {
        contact: { stage: "lead", segment: "waiting" },
        entryKey: "cartId/cart-a",
        timeline: [{ after: "5s", event: { type: "order_placed", properties: { cartId } } }],
        horizon: "2m",
      });
    const bought = await simulated("cart-a");
    expect(bought.status).toBe(200);
    expect(
      bought.body.steps.filter((step: any) => step.outcome === "sent").map((step: any) => step.stepId),
    ).toEqual(["send-reminder"]);
    expect(bought.body.ending).toMatchObject({
      status: "exited",
      reason: expect.stringMatching(/order_placed/),
    });
    const other = await simulated("another-cart");
    expect(other.body.ending.status).toBe("completed");
  });
});
