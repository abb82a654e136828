// The webhook activity against a real HTTP receiver on 127.0.0.1 and the real PostgreSQL.
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApplicationFailure } from "@temporalio/common";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createWebhookActivities } from "../../activities/webhooks/send-webhook.ts";
import { parseConfig } from "../../domain/config.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let store: ContactStore;
let server: http.Server;
let port: number;
const received: Received[] = [];
// Status codes the receiver answers with, one per request; 200 once the list is used up.
let answers: number[] = [];

beforeAll(async () => {
  store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")));
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await store?.$disconnect();
});

const SECRET = "test-webhook-secret";

async function contactWithStage() {
  return store.contact.create({
    data: {
      email: `w-${crypto.randomUUID()}@example.com`,
      lifecycleStage: "mql",
      score: 61,
      marketingConsent: true,
    },
  });
}

function activities(allowed: string) {
  return createWebhookActivities({
    store,
    config: parseConfig({ WEBHOOK_ALLOWED_HOSTS: allowed, WEBHOOK_SIGNING_SECRET: SECRET }),
    timeoutMs: 5_000,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe("sendWebhook", () => {
  it("posts a signed body with an idempotency key, is retried after a 500 and then delivers once", async () => {
    const contact = await contactWithStage();
    const { sendWebhook } = activities(`127.0.0.1:${port}`);
    const input = {
      url: `http://127.0.0.1:${port}/hooks/hot-lead?token=abc`,
      contactId: contact.id,
      enrollmentId: `seq/mql-guides/contact/${contact.id}/stage/mql`,
      sequenceKey: "mql-guides",
      sequenceVersion: 2,
      stepId: "tell-sales",
      reason: "clicked the guide",
    };
    received.length = 0;
    answers = [500];

    const first = await failureOf(sendWebhook(input));
    expect(first.nonRetryable).toBe(false);
    expect(first.type).toBe("WebhookFailed");
    expect(await sendWebhook(input)).toEqual({ status: "delivered", statusCode: 200 });
    expect(await sendWebhook(input)).toEqual({ status: "already_delivered", statusCode: 200 });

    expect(received).toHaveLength(2);
    const [attempt1, attempt2] = received as [Received, Received];
    expect(attempt2.path).toBe("/hooks/hot-lead?token=abc");
    expect(JSON.parse(attempt2.body)).toEqual({
      contactId: contact.id,
      stage: "mql",
      score: 61,
      sequence: { key: "mql-guides", version: 2 },
      stepId: "tell-sales",
      enrollmentId: input.enrollmentId,
      reason: "clicked the guide",
    });
    expect(attempt2.body).not.toContain("@example.com");
    expect(attempt2.headers["content-type"]).toBe("application/json");
    expect(attempt2.headers["idempotency-key"]).toBe(`${input.enrollmentId}:tell-sales`);
    expect(attempt1.headers["idempotency-key"]).toBe(attempt2.headers["idempotency-key"]);
    const timestamp = String(attempt2.headers["x-nurtureflow-timestamp"]);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(300);
    const expected = createHmac("sha256", SECRET).update(`${timestamp}.${attempt2.body}`).digest("hex");
    expect(attempt2.headers["x-nurtureflow-signature"]).toBe(`sha256=${expected}`);

    const row = await store.webhookDelivery.findUniqueOrThrow({
      where: { enrollmentId_stepId: { enrollmentId: input.enrollmentId, stepId: "tell-sales" } },
    });
    expect(row).toMatchObject({
      host: `127.0.0.1:${port}`,
      status: "delivered",
      statusCode: 200,
      attempts: 2,
    });
  });

  it("refuses 127.0.0.1 when it is not allow-listed, without sending anything", async () => {
    const contact = await contactWithStage();
    const { sendWebhook } = activities("");
    received.length = 0;
    const input = {
      url: `http://127.0.0.1:${port}/hook`,
      contactId: contact.id,
      enrollmentId: "e-refused",
      sequenceKey: "s",
      sequenceVersion: 1,
      stepId: "hook",
    };
    const failure = await failureOf(sendWebhook(input));
    expect(failure).toMatchObject({ nonRetryable: true, type: "WebhookRefused" });
    for (const url of [`http://localhost:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
      expect(await failureOf(sendWebhook({ ...input, url, stepId: url }))).toMatchObject({
        type: "WebhookRefused",
      });
    }
    // An allow-list entry for another port does not cover this one.
    expect(await failureOf(activities("127.0.0.1:1").sendWebhook(input))).toMatchObject({
      type: "WebhookRefused",
    });
    expect(received).toHaveLength(0);
    expect(
      await store.webhookDelivery.findUniqueOrThrow({
        where: { enrollmentId_stepId: { enrollmentId: "e-refused", stepId: "hook" } },
      }),
    ).toMatchObject({ status: "refused", host: `127.0.0.1:${port}` });
  });

  it("refuses other schemes and does not retry a 4xx other than 408 and 429", async () => {
    const contact = await contactWithStage();
    const { sendWebhook } = activities(`127.0.0.1:${port}`);
    const input = {
      url: "ftp://127.0.0.1/hook",
      contactId: contact.id,
      enrollmentId: "e-4xx",
      sequenceKey: "s",
      sequenceVersion: 1,
      stepId: "hook",
    };
    expect(await failureOf(sendWebhook(input))).toMatchObject({ nonRetryable: true, type: "WebhookRefused" });
    const url = `http://127.0.0.1:${port}/hook`;
    answers = [404];
    expect(await failureOf(sendWebhook({ ...input, url, stepId: "a" }))).toMatchObject({
      nonRetryable: true,
      type: "WebhookRejected",
    });
    answers = [429];
    expect(await failureOf(sendWebhook({ ...input, url, stepId: "b" }))).toMatchObject({
      nonRetryable: false,
      type: "WebhookFailed",
    });
  });
});
