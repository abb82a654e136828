// Bad input to each contact route is rejected with 400 problem+json naming the fields, unknown ids
// with 404, and nothing is written.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
let contactId: string;

beforeAll(async () => {
  // No worker: these tests are about the API and the store only.
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
  contactId = (await api(stack, "POST", "/v1/contacts", { email: "known@example.com" })).body.id;
});
afterAll(async () => stack?.stop());

async function rowCounts() {
  const { store } = stack;
  return {
    contacts: await store.contact.count(),
    stageChanges: await store.stageChange.count(),
    outbox: await store.outbox.count(),
    contact: await store.contact.findUnique({ where: { id: contactId } }),
  };
}

function expectProblem(response: Awaited<ReturnType<typeof api>>, status: number, fields: string[] = []) {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain("application/problem+json");
  expect(response.body).toMatchObject({ status, title: expect.any(String) });
  const named = (response.body.errors ?? []).map((error: { field: string }) => error.field);
  for (const field of fields) expect(named).toContain(field);
}

describe("POST /v1/contacts", () => {
  test.each([
    ["missing email", { name: "No Email" }, ["email"]],
    ["malformed email", { email: "not-an-email" }, ["email"]],
    ["unknown time zone", { email: "tz@example.com", timeZone: "Mars/Olympus" }, ["timeZone"]],
    [
      "wrong types",
      { email: "t@example.com", name: 42, marketingConsent: "yes" },
      ["name", "marketingConsent"],
    ],
    ["unknown field", { email: "u@example.com", stage: "lead" }, ["(body)"]],
    ["properties not an object", { email: "p@example.com", properties: [1, 2] }, ["properties"]],
  ])("%s → 400 naming the fields, nothing written", async (_case, body, fields) => {
    const before = await rowCounts();
    expectProblem(await api(stack, "POST", "/v1/contacts", body), 400, fields);
    expect(await rowCounts()).toEqual(before);
  });

  test("a body that is not JSON → 400", async () => {
    const before = await rowCounts();
    expectProblem(await api(stack, "POST", "/v1/contacts", "{not json"), 400);
    expect(await rowCounts()).toEqual(before);
  });

  test("upsert by email: the second call updates the same contact", async () => {
    const first = await api(stack, "POST", "/v1/contacts", { email: "Upsert@Example.com", name: "First" });
    const second = await api(stack, "POST", "/v1/contacts", { email: "upsert@example.com", name: "Second" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, email: "upsert@example.com", name: "Second" });
  });
});

describe("GET /v1/contacts/:id", () => {
  test.each(["00000000-0000-4000-8000-000000000000", "not-a-uuid"])("unknown id %s → 404", async (id) => {
    expectProblem(await api(stack, "GET", `/v1/contacts/${id}`), 404);
  });
});

describe("PUT /v1/contacts/:id/stage", () => {
  test.each([
    ["unknown stage", { stage: "prospect" }, ["stage"]],
    ["missing stage", {}, ["stage"]],
    ["reason too long", { stage: "lead", reason: "x".repeat(501) }, ["reason"]],
    ["unknown field", { stage: "lead", force: true }, ["(body)"]],
  ])("%s → 400 naming the fields, nothing written", async (_case, body, fields) => {
    const before = await rowCounts();
    expectProblem(await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, body), 400, fields);
    expect(await rowCounts()).toEqual(before);
  });

  test("unknown contact → 404, nothing written", async () => {
    const before = await rowCounts();
    expectProblem(
      await api(stack, "PUT", "/v1/contacts/00000000-0000-4000-8000-000000000000/stage", { stage: "lead" }),
      404,
    );
    expect(await rowCounts()).toEqual(before);
  });

  test("a backward move is recorded with from, to, reason and source; highest stage is kept", async () => {
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "sql" });
    const back = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, {
      stage: "mql",
      reason: "wrong fit",
    });
    expect(back.body.contact).toMatchObject({ lifecycleStage: "mql", highestStage: "sql" });
    const last = await stack.store.stageChange.findFirstOrThrow({
      where: { contactId },
      orderBy: { id: "desc" },
    });
    expect(last).toMatchObject({ fromStage: "sql", toStage: "mql", reason: "wrong fit", source: "api" });
    expect(await stack.store.outbox.count({ where: { contactId, kind: "stage_changed" } })).toBe(2);
  });
});

describe("service routes", () => {
  test("/metrics counts requests per route pattern, never per id, and shows the outbox backlog", async () => {
    await api(stack, "GET", `/v1/contacts/${contactId}`);
    const response = await fetch(`${stack.baseUrl}/metrics`);
    const text = await response.text();
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(text).toMatch(
      /nurtureflow_http_requests_total\{method="GET",route="\/v1\/contacts\/:id",status="200"\} [1-9]/,
    );
    expect(text).not.toContain(contactId);
    // No worker runs in this file, so every change written so far is still pending.
    const pending = await stack.store.outbox.count({ where: { dispatchedAt: null } });
    expect(text).toContain(`nurtureflow_outbox_pending ${pending}`);
  });

  test("/healthz answers ok and /openapi.json documents the contact routes", async () => {
    expect((await api(stack, "GET", "/healthz")).body).toEqual({ status: "ok", database: "ok" });
    const document = (await api(stack, "GET", "/openapi.json")).body;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/v1/contacts", "/v1/contacts/{id}", "/v1/contacts/{id}/stage"]),
    );
    expect(
      document.paths["/v1/contacts"].post.requestBody.content["application/json"].schema.required,
    ).toContain("email");
  });
});
