// Real runs of v1 sequences: bounded histories under thousands of signals, versions published while
// runs are in flight, and the re-entry policies.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SequenceDefinition } from "../../domain/sequences/sequence-schema.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { sequenceRunWorkflow } from "../../workflows/sequence-run-workflow.ts";
import { contactChangedSignal } from "../../workflows/sequence-signals.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

const program = (
  key: string,
  stage: string,
  steps: unknown[],
  reEntry: unknown = { mode: "after_exit" },
) => ({
  key,
  name: key,
  category: "marketing",
  trigger: { type: "stage_entered", stage },
  entry: { reEntry },
  steps,
});

async function define(definition: unknown): Promise<void> {
  const key = (definition as { key: string }).key;
  expect((await api(stack, "POST", "/v1/sequences", definition)).status).toBe(201);
  expect((await api(stack, "POST", `/v1/sequences/${key}/activate`)).status).toBe(200);
}

async function contact(email: string): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", {
    email,
    name: "Run Test",
    marketingConsent: true,
  });
  return created.body.id;
}

async function started(key: string, contactId: string, entryKey: string) {
  const handle = temporal.workflow.getHandle(sequenceWorkflowId(key, contactId, entryKey));
  await waitUntil(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    15_000,
    "run started",
  );
  return handle;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

describe("v1 runs", () => {
  // 3,000 signals from this process crash the in-process worker thread here (see the report), so the
  // run is given a small history bound: 600 signals then force several continue-as-new.
  test("a run signalled 600 times during a wait continues as new and still finishes right", async () => {
    const contactId = await contact("busy@example.com");
    const definition = SequenceDefinition.parse(
      program("busy", "opportunity", [
        { id: "long-wait", type: "wait", duration: "20s" },
        { id: "after", type: "send_email", template: "nurture-opportunity" },
      ]),
    );
    const workflowId = sequenceWorkflowId("busy", contactId, "stage/opportunity");
    const trigger = {
      kind: "stage_changed" as const,
      from: null,
      to: "opportunity" as const,
      occurredAt: new Date().toISOString(),
    };
    const handle = await temporal.workflow.start(sequenceRunWorkflow, {
      workflowId,
      taskQueue: stack.config.taskQueue,
      args: [
        {
          enrollmentId: `${workflowId}@test`,
          contactId,
          entryKey: "stage/opportunity",
          sequence: { key: "busy", version: 1, definition },
          emailTaskQueue: stack.config.emailTaskQueue,
          trigger,
          historyBound: 300,
        },
      ],
    });
    const firstRunId = handle.firstExecutionRunId;
    for (let batch = 0; batch < 60; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          handle.signal(contactChangedSignal, {
            kind: "event",
            eventType: "page_view",
            properties: { n: batch * 10 + index },
            occurredAt: new Date().toISOString(),
          }),
        ),
      );
    }
    const result = await temporal.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ state: "completed", emailsSent: 1 });
    const last = await temporal.workflow.getHandle(workflowId).describe();
    expect(last.runId).not.toBe(firstRunId);
    expect(last.historyLength).toBeLessThan(500);
    expect(sink.messages().filter((m) => m.envelope.to.includes("busy@example.com"))).toHaveLength(1);
  }, 120_000);

  test("a version published while a run is in flight leaves it on its own; new runs take the live one", async () => {
    await define(
      program("versioned", "customer", [
        { id: "wait", type: "wait", duration: "3s" },
        { id: "v1-mail", type: "send_email", template: "nurture-lead" },
      ]),
    );
    const first = await contact("early@example.com");
    await api(stack, "PUT", `/v1/contacts/${first}/stage`, { stage: "customer" });
    const early = await started("versioned", first, "stage/customer");
    const v2 = program("versioned", "customer", [
      { id: "v2-mail", type: "send_email", template: "nurture-mql" },
    ]);
    expect((await api(stack, "POST", "/v1/sequences/versioned/versions", v2)).body).toMatchObject({
      latestVersion: 2,
    });
    expect((await api(stack, "POST", "/v1/sequences/versioned/activate", { version: 2 })).body).toMatchObject(
      {
        liveVersion: 2,
      },
    );
    const second = await contact("late@example.com");
    await api(stack, "PUT", `/v1/contacts/${second}/stage`, { stage: "customer" });
    const late = await started("versioned", second, "stage/customer");
    expect(await late.result()).toMatchObject({
      version: 2,
      journal: [expect.objectContaining({ stepId: "v2-mail" }), expect.anything()],
    });
    expect(await early.result()).toMatchObject({ version: 1, emailsSent: 1 });
    const ledger = await stack.store.sendLedger.findMany({ where: { contactId: first } });
    expect(ledger.map((row) => row.stepId)).toEqual(["v1-mail"]);
  });

  test.each([
    ["never", { mode: "never" }, 1],
    ["after_exit", { mode: "after_exit" }, 2],
    ["cooldown", { mode: "cooldown", cooldown: "1h" }, 1],
  ])("re-entry %s: leaving and re-entering the stage after the run ended", async (name, reEntry, runs) => {
    const key = `reentry-${name.replace("_", "-")}`;
    await define(program(key, "lead", [{ id: "hello", type: "send_email", template: "welcome" }], reEntry));
    const contactId = await contact(`${key}@example.com`);
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    const handle = await started(key, contactId, "stage/lead");
    await handle.result();
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "subscriber" });
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    await waitUntil(
      async () => (await stack.store.outbox.count({ where: { contactId, dispatchedAt: null } })) === 0,
    );
    await waitUntil(
      async () =>
        (await stack.store.enrollment.count({
          where: { sequenceKey: key, contactId, status: "running" },
        })) === 0,
    );
    // Other sequences of this file start on `lead` too: count this one's sends only.
    const sent = await stack.store.sendLedger.count({
      where: { contactId, status: "sent", enrollmentId: { startsWith: `seq/${key}/` } },
    });
    expect(sent).toBe(runs);
  });
});
