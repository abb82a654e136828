// Issue 13: a stage changed through the API recomputes the behavioural segment in the same
// transaction, as an event would; before, the segment stayed as it was until the next event.
import { afterAll, beforeAll, expect, test } from "vitest";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
});

afterAll(async () => {
  await stack?.stop();
});

test("PUT /v1/contacts/:id/stage moves the segment with the stage, with its history and outbox row", async () => {
  const created = await api(stack, "POST", "/v1/contacts", {
    email: "grace@example.com",
    marketingConsent: true,
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect(created.body.segment).toBe("new");

  const moved = await api(stack, "PUT", `/v1/contacts/${id}/stage`, { stage: "lead" });
  expect(moved.status).toBe(200);
  expect(moved.body.contact).toMatchObject({ lifecycleStage: "lead", segment: "lead" });

  const memberships = await stack.store.segmentMembership.findMany({ where: { contactId: id } });
  expect(memberships.map((row) => [row.segment, row.leftAt === null])).toContainEqual(["lead", true]);
  const announced = await stack.store.outbox.count({ where: { contactId: id, kind: "segment_changed" } });
  expect(announced).toBeGreaterThanOrEqual(1);

  const back = await api(stack, "PUT", `/v1/contacts/${id}/stage`, { stage: "subscriber" });
  expect(back.body.contact).toMatchObject({ lifecycleStage: "subscriber", segment: "new" });
  // The stage route reads the contact inside its own transaction: the same view the contact's route shows.
  expect(back.body.contact).toEqual((await api(stack, "GET", `/v1/contacts/${id}`)).body);
});
