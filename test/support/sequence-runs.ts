// Steps shared by the tests of real sequence runs: define and activate a program through the API,
// and find the run the outbox dispatcher started for a contact.
import type { Client, WorkflowHandle } from "@temporalio/client";
import { expect } from "vitest";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { api, type TestStack } from "./test-stack.ts";
import { waitUntil } from "./wait.ts";

export async function defineAndActivate(stack: TestStack, definition: { key: string }): Promise<void> {
  expect((await api(stack, "POST", "/v1/sequences", definition)).status).toBe(201);
  expect((await api(stack, "POST", `/v1/sequences/${definition.key}/activate`)).status).toBe(200);
}

/** The run exists once the dispatcher has started it from the outbox. */
export async function startedRun(
  temporal: Client,
  key: string,
  contactId: string,
  entryKey: string,
): Promise<WorkflowHandle> {
  const handle = temporal.workflow.getHandle(sequenceWorkflowId(key, contactId, entryKey));
  await waitUntil(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    30_000,
    `run of ${key} started`,
  );
  return handle;
}

/** A contact who agreed to marketing mail, created through the API. */
export async function marketingContact(
  stack: TestStack,
  email: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", {
    email,
    name: "Run Test",
    marketingConsent: true,
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body.id;
}
