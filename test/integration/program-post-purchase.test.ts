// Issue 9, post-purchase end to end through the HTTP API: both built-ins (the transactional order
// confirmation with its delivery check, and the marketing review/referral request with its cross-sell)
// with second-scale waits. Two orders → two runs of each, every thank-you sent once and listing its
// order; the second order makes a repeat buyer; a review makes an evangelist; frequent, high-value and
// engaged buyers become heroes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_SEGMENT_THRESHOLDS } from "../../domain/segments/segment-thresholds.ts";
import {
  contactEvent,
  contactState,
  createContact,
  enrollmentsOf,
  mailTo,
  type ProgramStack,
  postEvents,
  startProgramStack,
} from "../support/program-test.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { api, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const EMAIL = "buyer@example.com";
let programs: ProgramStack;
let sink: SmtpSink;
let stack: TestStack;
let contactId = "";

beforeAll(async () => {
  programs = await startProgramStack({
    "post-purchase": { durations: { "wait-for-delivery": "2s" } },
    "post-purchase-review": {
      durations: { "wait-after-delivery": "3s", "wait-before-cross-sell": "2s", "morning-cross-sell": "1s" },
    },
  });
  ({ stack, sink } = programs);
  contactId = await createContact(stack, EMAIL, "Jane Doe");
});

afterAll(async () => {
  await programs?.stop();
});

function order(orderId: string, items: Array<{ name: string; quantity: number; price: number }>) {
  const total = items.reduce((sum, item) => sum + item.quantity * item.price, 0);
  return contactEvent("order_placed", EMAIL, { orderId, total, currency: "USD", items });
}

const subjects = () => mailTo(sink, EMAIL).map((message) => message.subject ?? "");
const count = (subject: string) => subjects().filter((sent) => sent === subject).length;
const allEnded = async (sequence: string, runs: number) => {
  const enrollments = await enrollmentsOf(stack, contactId, sequence);
  return enrollments.length === runs && enrollments.every((run) => run.status === "completed");
};

describe("post-purchase", () => {
  test("two orders: two runs of each program, every thank-you once with its own lines", async () => {
    await postEvents(stack, order("o-1", [{ name: "Trail running shoes", quantity: 1, price: 129 }]));
    const first = await sink.waitForMessage(
      (message) => message.subject === "Thanks for your order #o-1",
      20_000,
    );
    expect(first.text).toContain("Trail running shoes");
    expect((await contactState(stack, contactId)).lifecycleStage).toBe("customer");

    await postEvents(stack, order("o-2", [{ name: "Merino socks", quantity: 2, price: 18 }]));
    const second = await sink.waitForMessage(
      (message) => message.subject === "Thanks for your order #o-2",
      20_000,
    );
    expect(second.text).toContain("Merino socks");
    expect(second.text).not.toContain("Trail running shoes");

    await waitUntil(
      async () => (await allEnded("post-purchase", 2)) && (await allEnded("post-purchase-review", 2)),
      60_000,
    );
    expect(
      (await enrollmentsOf(stack, contactId, "post-purchase")).map((run) => run.entryKey).sort(),
    ).toEqual(["orderId/o-1", "orderId/o-2"]);
    for (const id of ["o-1", "o-2"]) {
      expect(count(`Thanks for your order #${id}`)).toBe(1);
      expect(count(`Did order #${id} arrive safely?`)).toBe(1);
    }
    expect(count("Jane, what do you think of your Trail running shoes?")).toBe(1);
    expect(count("Jane, what do you think of your Merino socks?")).toBe(1);
    expect(count("Goes well with your Trail running shoes")).toBe(1);
    expect(count("Goes well with your Merino socks")).toBe(1);
    expect(subjects()).toHaveLength(8);
    // Two orders within the repeat window: a repeat buyer.
    expect(await contactState(stack, contactId)).toMatchObject({
      lifecycleStage: "customer",
      segment: "repeat",
    });
  });

  test("a review makes the customer an evangelist", async () => {
    await postEvents(stack, contactEvent("review_posted", EMAIL, { orderId: "o-1", rating: 5 }));
    expect((await contactState(stack, contactId)).lifecycleStage).toBe("evangelist");
  });

  test("a frequent, high-value, engaged buyer becomes a hero", async () => {
    const thresholds = { ...DEFAULT_SEGMENT_THRESHOLDS, heroOrders: 3, heroRevenue: 300 };
    expect((await api(stack, "PUT", "/v1/segments/thresholds", thresholds)).status).toBe(200);
    await postEvents(stack, order("o-3", [{ name: "Rain jacket", quantity: 1, price: 180 }]));
    expect(await contactState(stack, contactId)).toMatchObject({
      lifecycleStage: "evangelist",
      segment: "hero",
    });
    await sink.waitForMessage((message) => message.subject === "Thanks for your order #o-3", 20_000);
    expect(count("Thanks for your order #o-3")).toBe(1);
  });
});
