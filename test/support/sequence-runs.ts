// Steps shared by the tests of real sequence runs: the stack they run on, define and activate a
// program through the API, and find the run the outbox dispatcher started for a contact.
import type { Client, WorkflowHandle } from "@temporalio/client";
import { afterAll, beforeAll, expect } from "vitest";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { killChildren, startWorkerProcess } from "./child-processes.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";
import { api, startTestStack, type TestStack } from "./test-stack.ts";
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

export interface RunStack {
  stack: TestStack;
  sink: SmtpSink;
  temporal: Client;
}

/**
 * Registers the file's beforeAll/afterAll: a test stack with an SMTP sink and a worker, in this
 * process or (workerProcess) in a child process. The fields are set once beforeAll has run.
 */
export function useRunStack(options: { workerProcess?: boolean } = {}): RunStack {
  const handles = {} as RunStack;
  beforeAll(async () => {
    handles.sink = await startSmtpSink();
    handles.stack = await startTestStack({ smtpUrl: handles.sink.url });
    if (options.workerProcess) await startWorkerProcess(handles.stack);
    else await handles.stack.startWorker();
    handles.temporal = await handles.stack.temporal();
  });
  afterAll(async () => {
    await killChildren();
    await handles.stack?.stop();
    await handles.sink?.stop();
  });
  return handles;
}
