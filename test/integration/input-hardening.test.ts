// Issue 8, input hardening: text PostgreSQL refuses (NUL, lone surrogates) and absurd nesting used to
// reach the database and come back as a 500; now a clear 400 names the field and nothing is written.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
});

afterAll(async () => {
  await stack?.stop();
});

async function post(path: string, body: string, contentType = "application/json") {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body: await response.text(),
  };
}

const event = (properties: string) =>
  `{"type":"page_view","contact":{"email":"hard@example.com"},"occurredAt":"2026-11-23T10:00:00Z","idempotencyKey":"h-1","properties":${properties}}`;

describe("bodies that parse but cannot be stored", () => {
  test.each([
    ["a NUL in a contact name", "/v1/contacts", '{"email":"nul@example.com","name":"a\\u0000b"}', "name"],
    [
      "a lone surrogate in a contact name",
      "/v1/contacts",
      '{"email":"sur@example.com","name":"\\ud800"}',
      "name",
    ],
    ["a NUL in event properties", "/v1/events", event('{"path":"/a\\u0000"}'), "properties.path"],
    ["a lone surrogate in event properties", "/v1/events", event('{"k":"\\udc00"}'), "properties.k"],
    [
      "deep nesting in event properties",
      "/v1/events",
      event(`${'{"a":'.repeat(40)}1${"}".repeat(40)}`),
      "properties",
    ],
  ])("%s: 400 naming the field, nothing written", async (_what, path, body, field) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain("application/problem+json");
    expect(JSON.parse(answer.body).errors[0].field).toContain(field);
    expect(await stack.store.contact.count()).toBe(0);
    expect(await stack.store.event.count()).toBe(0);
  });
});

describe("wrong or missing content", () => {
  test("a non-JSON content type or a broken body is a 4xx problem, never a 500", async () => {
    for (const [body, type] of [
      ['{"email":"x@example.com"}', "text/plain"],
      ["email=x@example.com", "application/x-www-form-urlencoded"],
      ['{"email":', "application/json"],
      ["", "application/json"],
    ] as const) {
      const answer = await post("/v1/contacts", body, type);
      expect(answer.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${type} ${body}`).toBeLessThan(500);
      expect(answer.contentType).toContain("application/problem+json");
    }
    expect(await stack.store.contact.count()).toBe(0);
  });
});
