// Issue 12: the official Segment and RudderStack Node SDKs, unchanged, send to Nurtureflow's
// Segment-compatible tracking API: identify + an order → a customer with its email and user id whose
// post-purchase program started; a resent batch changes nothing; a bad write key is a rejection the
// SDK reports.
import type { Server } from "node:http";
import RudderAnalytics from "@rudderstack/rudder-sdk-node";
import { Analytics } from "@segment/analytics-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { createApp } from "../../api/app.ts";
import { builtIn } from "../support/built-in.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const WRITE_KEY = "wk-test-ingest";
let sink: SmtpSink;
let stack: TestStack;
let server: Server;
let host: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "post-purchase", builtIn("post-purchase"));
  await stack.startWorker();
  // This API requires keys, so a wrong write key can be told from a right one.
  const app = createApp({
    config: { ...stack.config, apiKeys: [WRITE_KEY] },
    store: stack.store,
    logger: pino({ level: "silent" }),
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const address = server.address();
  host = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await stack?.stop();
  await sink?.stop();
});

async function expectCustomerWithProgram(userId: string, email: string, orderId: string) {
  const contact = await stack.store.contact.findUniqueOrThrow({ where: { externalId: userId } });
  expect(contact).toMatchObject({ email, externalId: userId, lifecycleStage: "customer", orderCount: 1 });
  expect(await stack.store.order.findUnique({ where: { id: orderId } })).toMatchObject({
    contactId: contact.id,
  });
  await waitUntil(
    async () =>
      (await stack.store.enrollment.count({
        where: { contactId: contact.id, sequenceKey: "post-purchase" },
      })) === 1,
    20_000,
    "post-purchase enrollment",
  );
  await sink.waitForMessage((message) => message.envelope.to.includes(email), 20_000);
  return contact;
}

describe("@segment/analytics-node", () => {
  test("identify + Order Completed → a customer with email and user id, post-purchase started; a resent batch changes nothing", async () => {
    const analytics = new Analytics({
      writeKey: WRITE_KEY,
      host,
      flushAt: 10,
      flushInterval: 100,
      maxRetries: 1,
    });
    const bodies: string[] = [];
    analytics.on("http_request", (request) => bodies.push(request.body as string));
    const failures: unknown[] = [];
    const done = (error: unknown) => error && failures.push(error);
    analytics.identify(
      {
        userId: "seg-user-1",
        anonymousId: "seg-anon-1",
        traits: { email: "Ada@Example.com", name: "Ada", plan: "pro" },
      },
      done,
    );
    analytics.track(
      {
        userId: "seg-user-1",
        event: "Order Completed",
        properties: {
          order_id: "seg-order-1",
          total: 59.9,
          currency: "EUR",
          products: [{ sku: "tea", price: 59.9 }],
        },
      },
      done,
    );
    await analytics.closeAndFlush();
    expect(failures).toEqual([]);
    const contact = await expectCustomerWithProgram("seg-user-1", "ada@example.com", "seg-order-1");
    expect(contact.name).toBe("Ada");
    expect(contact.properties).toMatchObject({ plan: "pro" });

    // The same batch again, as an SDK resends one whose answer it never got.
    expect(bodies).toHaveLength(1);
    const events = await stack.store.event.count({ where: { contactId: contact.id } });
    const resent = await fetch(`${host}/v1/batch`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString("base64")}`,
      },
      body: bodies[0],
    });
    expect(resent.status).toBe(200);
    expect(await resent.json()).toMatchObject({ accepted: 0, duplicates: 2, rejected: [] });
    expect(await stack.store.event.count({ where: { contactId: contact.id } })).toBe(events);
    expect(await stack.store.order.count({ where: { contactId: contact.id } })).toBe(1);
    expect(await stack.store.outbox.count({ where: { contactId: contact.id, kind: "event" } })).toBe(1);
    expect(await stack.store.enrollment.count({ where: { contactId: contact.id } })).toBe(1);
    expect((await stack.store.contact.findUniqueOrThrow({ where: { id: contact.id } })).orderCount).toBe(1);
  });

  test("a bad write key: the SDK reports the rejection and nothing is written", async () => {
    const analytics = new Analytics({ writeKey: "wrong", host, flushAt: 1, maxRetries: 1 });
    const statuses: number[] = [];
    analytics.on("http_response", (response) => statuses.push(response.status));
    const error = await new Promise<unknown>((resolve) =>
      analytics.track({ userId: "seg-intruder", event: "Order Completed", properties: {} }, resolve),
    );
    await analytics.closeAndFlush();
    expect(String((error as { reason?: unknown })?.reason ?? error)).toMatch(/401/);
    expect(statuses).toEqual([401]);
    expect(await stack.store.contact.count({ where: { externalId: "seg-intruder" } })).toBe(0);
  });
});

describe("@rudderstack/rudder-sdk-node", () => {
  const flush = (client: RudderAnalytics) =>
    new Promise<unknown>((resolve) => {
      client.flush((error?: unknown) => resolve(error));
    });

  test("identify + Order Completed (gzip-compressed) → a customer with its post-purchase program", async () => {
    const client = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: host,
      flushInterval: 100,
      logLevel: "error",
      // Without a handler the SDK also rethrows a failed flush as an unhandled rejection.
      errorHandler: () => {},
    });
    client.identify({ userId: "rs-user-1", traits: { email: "grace@example.com", firstName: "Grace" } });
    client.track({
      userId: "rs-user-1",
      event: "Order Completed",
      properties: { order_id: "rs-order-1", revenue: 20, products: [{ sku: "mug", price: 20 }] },
    });
    expect(await flush(client)).toBeUndefined();
    await waitUntil(async () => (await stack.store.order.count({ where: { id: "rs-order-1" } })) === 1);
    const contact = await expectCustomerWithProgram("rs-user-1", "grace@example.com", "rs-order-1");
    expect(contact.name).toBe("Grace");
  });

  test("a bad write key: the flush callback gets the rejection", async () => {
    const client = new RudderAnalytics("wrong", {
      dataPlaneUrl: host,
      retryCount: 0,
      logLevel: "off",
      errorHandler: () => {},
    });
    const error = await new Promise<unknown>((resolve) =>
      // The SDK calls back with the error; its type declarations omit the argument.
      client.track({ userId: "rs-intruder", event: "Signed Up" }, ((failure: unknown) =>
        resolve(failure)) as () => void),
    );
    expect((error as { response?: { status: number } }).response?.status).toBe(401);
    expect(await stack.store.contact.count({ where: { externalId: "rs-intruder" } })).toBe(0);
  });
});
