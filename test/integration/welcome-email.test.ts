// Issue: the whole stack for real. A stage change through the HTTP API reaches Temporal through the
// outbox, and the welcome email arrives at a real SMTP server, exactly once.
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { sequenceRunViewQuery } from "../../workflows/sequence-signals.ts";
import { builtIn } from "../support/built-in.ts";
import { recordHistory } from "../support/history-recorder.ts";
import { payloadJson, signalArguments, startInput } from "../support/run-history.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { settle, waitUntil } from "../support/wait.ts";

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  await publishSequenceVersion(stack.store, "mql-after-pause", {
    key: "mql-after-pause",
    name: "MQL note after a short pause",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "mql" },
    entry: { reEntry: { mode: "never" } },
    steps: [
      { id: "pause", type: "wait", duration: "10s" },
      { id: "send-note", type: "send_email", template: "nurture-mql" },
    ],
    goals: [],
  });
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

async function createContact(email: string, name = "Ada Lovelace"): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", {
    email,
    name,
    timeZone: "Europe/London",
    marketingConsent: true,
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const sentTo = (email: string) => sink.messages().filter((message) => message.envelope.to.includes(email));

describe("welcome email for a new lead", () => {
  test("arrives at the SMTP server within seconds, rendered from MJML with a text part", async () => {
    const contactId = await createContact("ada@example.com");
    const started = Date.now();
    const moved = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, {
      stage: "lead",
      reason: "webinar",
    });
    expect(moved.status).toBe(200);
    expect(moved.body.change).toMatchObject({ changed: true, from: "subscriber", to: "lead" });

    const message = await sink.waitForMessage((m) => m.envelope.to.includes("ada@example.com"), 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(message.subject).toMatch(/welcome/i);
    expect(message.html).toMatch(/<!doctype html>/i);
    expect(message.html).toContain("Ada");
    expect(message.text).toContain("Ada");
    expect(message.text).not.toMatch(/<[a-z]/i);
    expect(message.messageId).toMatch(/^<nf\.[a-z0-9]+@/);
    const headerNames = message.headerLines.map((line) => line.key);
    expect(headerNames).toEqual(expect.arrayContaining(["list-unsubscribe", "list-unsubscribe-post"]));

    // The ledger is marked sent right after the SMTP server accepted the message.
    await waitUntil(
      async () => (await stack.store.sendLedger.count({ where: { contactId, status: "sent" } })) === 1,
    );
    const ledger = await stack.store.sendLedger.findMany({ where: { contactId } });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ status: "sent", templateKey: "welcome", messageId: message.messageId });
    const history = await stack.store.stageChange.findMany({ where: { contactId } });
    expect(history.map((row) => [row.fromStage, row.toStage, row.source, row.reason])).toEqual([
      ["subscriber", "lead", "api", "webinar"],
    ]);
    const contact = await api(stack, "GET", `/v1/contacts/${contactId}`);
    expect(contact.body).toMatchObject({ lifecycleStage: "lead", highestStage: "lead" });
    // The dispatcher opened this run, so it started it with its trigger in its input (eager start),
    // not with signal-with-start: no signal carries the stage change (later changes still come as
    // signals, such as the segment this move gave the contact).
    const run = temporal.workflow.getHandle(sequenceWorkflowId("welcome", contactId, "stage/lead"));
    const events = (await run.fetchHistory()).events ?? [];
    const signalled = signalArguments(events) as Array<{ kind: string } | null>;
    expect(signalled.filter((change) => change?.kind === "stage_changed")).toEqual([]);
    const input = startInput(events);
    expect(input).toMatchObject({ triggerInInput: true, trigger: { kind: "stage_changed", to: "lead" } });
    recordHistory(sequenceWorkflowId("welcome", contactId, "stage/lead"), "welcome-sent");
  });

  test("the same stage change sent twice, a redelivered outbox row and a re-entry yield one email", async () => {
    const contactId = await createContact("grace@example.com", "Grace Hopper");
    const first = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    const second = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    expect(first.body.change.changed).toBe(true);
    expect(second.status).toBe(200);
    expect(second.body.change).toEqual({ changed: false, stage: "lead" });
    await sink.waitForMessage((m) => m.envelope.to.includes("grace@example.com"), 15_000);

    // Deliver the same outbox row again, as a dispatcher that crashed before marking it would.
    const row = await stack.store.outbox.findFirstOrThrow({ where: { contactId, kind: "stage_changed" } });
    await stack.store.outbox.update({
      where: { id: row.id },
      data: { dispatchedAt: null, nextAttemptAt: new Date() },
    });
    // Leave and re-enter the stage: the welcome sequence admits no re-entry.
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "subscriber" });
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    await waitUntil(
      async () => (await stack.store.outbox.count({ where: { contactId, dispatchedAt: null } })) === 0,
    );
    await settle(2_000);

    expect(sentTo("grace@example.com")).toHaveLength(1);
    expect(await stack.store.sendLedger.count({ where: { contactId } })).toBe(1);
    const history = await stack.store.stageChange.findMany({ where: { contactId }, orderBy: { id: "asc" } });
    expect(history.map((h) => `${h.fromStage}->${h.toStage}`)).toEqual([
      "subscriber->lead",
      "lead->subscriber",
      "subscriber->lead",
    ]);
    expect((await api(stack, "GET", `/v1/contacts/${contactId}`)).body).toMatchObject({
      lifecycleStage: "lead",
      highestStage: "lead",
    });
  });

  test("restarting the worker while a run waits on a timer still sends exactly one email", async () => {
    const contactId = await createContact("katherine@example.com", "Katherine Johnson");
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" });
    const handle = temporal.workflow.getHandle(sequenceWorkflowId("mql-after-pause", contactId, "stage/mql"));
    await waitUntil(async () => {
      try {
        return (await handle.query(sequenceRunViewQuery)).state === "waiting";
      } catch {
        return false;
      }
    });

    await stack.stopWorker();
    // The 10 s timer (long enough to be armed even when the run's first activities are slow on a loaded
    // machine) fires while no worker runs.
    await settle(11_000);
    expect(sentTo("katherine@example.com")).toHaveLength(0);
    await stack.startWorker();

    // After a restart the first task may wait out the dead worker's sticky queue (10 s) before it moves on.
    await sink.waitForMessage((m) => m.envelope.to.includes("katherine@example.com"), 45_000);
    const result = await handle.result();
    expect(result).toMatchObject({ state: "completed", emailsSent: 1 });
    await settle(1_000);
    expect(sentTo("katherine@example.com")).toHaveLength(1);
    recordHistory(handle.workflowId, "wait-then-send-across-worker-restart");

    // Operators read a one-line summary per step in the Temporal UI.
    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .filter((event) => event.timerStartedEventAttributes || event.activityTaskScheduledEventAttributes)
      .map((event) => payloadJson(event.userMetadata?.summary?.data));
    expect(summaries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^step "pause": wait until \d{4}-/),
        'step "send-note": send nurture-mql',
      ]),
    );
  });
});
