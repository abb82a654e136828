// The sequence language end to end: a marketer defines the DESIGN §2a example through the API,
// simulates it, activates it, and real runs (Temporal, PostgreSQL, SMTP) do what the simulation said.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { Client } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sequenceWorkflowId } from "../../domain/sequences/workflow-ids.ts";
import { sequenceRunViewQuery } from "../../workflows/sequence-signals.ts";
import { recordHistory } from "../support/history-recorder.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const DESIGN_EXAMPLE = readFileSync(new URL("../fixtures/design-2a-example.json", import.meta.url), "utf8");

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;
/** The CRM of the example: a local receiver, listed in WEBHOOK_ALLOWED_HOSTS. */
let receiver: Server;
let receiverUrl = "";
const WEBHOOK_SECRET = "sequence-lifecycle-webhook-secret";
const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];

/** The §2a example with second-scale durations; the weekday-morning wait becomes a 1 s wait. */
function shortened(key: string): any {
  const definition = JSON.parse(DESIGN_EXAMPLE);
  definition.key = key;
  definition.steps[1].timeout = "3s";
  definition.steps[1].else[0] = { id: "morning", type: "wait", duration: "1s" };
  definition.steps[1].then[0].url = `${receiverUrl}/hooks/hot-lead`;
  return definition;
}

/** The run exists once the dispatcher has started it from the outbox. */
async function started(key: string, contactId: string, entryKey: string) {
  const handle = temporal.workflow.getHandle(sequenceWorkflowId(key, contactId, entryKey));
  await waitUntil(
    async () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    15_000,
    "run started",
  );
  return handle;
}

async function mqlContact(email: string, score = 0): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", {
    email,
    name: "Test Contact",
    marketingConsent: true,
    properties: { country: "IT" },
  });
  expect(created.status).toBe(201);
  if (score) await stack.store.contact.update({ where: { id: created.body.id }, data: { score } });
  return created.body.id;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  const port = typeof address === "object" && address ? address.port : 0;
  receiverUrl = `http://127.0.0.1:${port}`;
  sink = await startSmtpSink();
  stack = await startTestStack({
    smtpUrl: sink.url,
    env: {
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}`,
      WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      TEMPORAL_UI_URL: "https://temporal.example.test/ui/",
    },
  });
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe("the sequence lifecycle API", () => {
  test("the DESIGN §2a example is accepted exactly as written, as a draft version 1", async () => {
    const created = await api(stack, "POST", "/v1/sequences", DESIGN_EXAMPLE);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      key: "mql-guides",
      status: "draft",
      liveVersion: null,
      latestVersion: 1,
    });
    expect((await api(stack, "POST", "/v1/sequences", DESIGN_EXAMPLE)).status).toBe(409);
    const listed = await api(stack, "GET", "/v1/sequences");
    expect(listed.body.sequences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: "mql-guides", status: "draft" }),
        expect.objectContaining({ key: "welcome", builtIn: true }),
      ]),
    );
  });

  test("a faulty definition is refused with each fault's JSON path, and nothing is written", async () => {
    const definition = shortened("faulty");
    definition.steps[1].else[1].template = "no-such-template";
    definition.steps[1].then[1].id = "guide";
    const refused = await api(stack, "POST", "/v1/sequences", definition);
    expect(refused.status).toBe(400);
    expect(refused.contentType).toContain("application/problem+json");
    expect(refused.body.errors).toEqual([
      { field: "steps.1.then.1.id", message: 'step id "guide" is used twice' },
      { field: "steps.1.else.1.template", message: 'no template "no-such-template"' },
    ]);
    expect((await api(stack, "GET", "/v1/sequences/faulty")).status).toBe(404);
  });

  test("simulate answers the plan without touching Temporal, the store or SMTP", async () => {
    const simulated = await api(stack, "POST", "/v1/sequences/mql-guides/simulate", {
      contact: {
        stage: "mql",
        segment: "lead",
        score: 10,
        properties: { country: "IT" },
        timeZone: "Europe/Rome",
      },
      start: "2026-12-01T10:00:00Z",
      timeline: [],
    });
    expect(simulated.status).toBe(200);
    expect(simulated.body.steps.filter((step: any) => step.outcome === "sent")).toEqual([
      expect.objectContaining({
        stepId: "guide",
        at: "2026-12-01T10:00:00.000Z",
        subject: expect.any(String),
      }),
      expect.objectContaining({ stepId: "reminder", at: "2026-12-04T08:00:00.000Z" }),
    ]);
    expect(simulated.body.ending).toMatchObject({ status: "exited", reason: "not engaged" });
    expect(await stack.store.enrollment.count()).toBe(0);
  });
});

describe("real runs of the shortened example", () => {
  beforeAll(async () => {
    expect((await api(stack, "POST", "/v1/sequences", shortened("mql-guides-fast"))).status).toBe(201);
    expect((await api(stack, "POST", "/v1/sequences/mql-guides-fast/activate")).body).toMatchObject({
      status: "active",
      liveVersion: 1,
    });
  });

  test("a contact who does not click gets the reminder and exits not engaged, as the simulation says", async () => {
    const contactId = await mqlContact("quiet@example.com");
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" });
    const handle = await started("mql-guides-fast", contactId, "stage/mql");
    const result = await handle.result();
    expect(result).toMatchObject({ state: "exited", exitReason: "not engaged", emailsSent: 2 });
    expect(result.journal.map((entry: any) => `${entry.stepId ?? entry.type}:${entry.outcome}`)).toEqual([
      "guide:sent",
      "wait-click:waiting",
      "wait-click:else",
      "morning:waiting",
      "reminder:sent",
      "hot:else",
      "give-up:exited",
    ]);
    expect(sink.messages().filter((m) => m.envelope.to.includes("quiet@example.com"))).toHaveLength(2);

    // The agreement: the simulator's plan for the same contact and (empty) timeline, step for step.
    const simulated = await api(stack, "POST", "/v1/sequences/mql-guides-fast/simulate", {
      contact: { stage: "mql", segment: "new", score: 0, properties: { country: "IT" } },
    });
    expect(simulated.body.steps.map((step: any) => `${step.stepId ?? step.type}:${step.outcome}`)).toEqual(
      result.journal.map((entry: any) => `${entry.stepId ?? entry.type}:${entry.outcome}`),
    );

    const enrollments = await api(stack, "GET", `/v1/enrollments?contactId=${contactId}`);
    expect(enrollments.body.enrollments).toEqual([
      expect.objectContaining({
        sequence: "mql-guides-fast",
        version: 1,
        status: "exited",
        exitReason: "not engaged",
      }),
    ]);
    const detail = await api(
      stack,
      "GET",
      `/v1/enrollments/${encodeURIComponent(enrollments.body.enrollments[0].id)}`,
    );
    expect(detail.body.steps).toHaveLength(7);
    expect(detail.body.temporalUiUrl).toBe(
      `https://temporal.example.test/ui/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`,
    );
    recordHistory(handle.workflowId, "v1-example-no-click");
  });

  test("a contact who clicks the guide is handed to sales; the run's own stage change reaches the goal", async () => {
    const contactId = await mqlContact("clicker@example.com");
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" });
    const handle = await started("mql-guides-fast", contactId, "stage/mql");
    await waitUntil(
      async () => (await stack.store.sendLedger.count({ where: { contactId, status: "sent" } })) === 1,
    );
    const ledger = await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } });
    // What the click redirect records: an email_clicked event naming the message.
    const clicked = await api(stack, "POST", "/v1/events", {
      type: "email_clicked",
      contact: { id: contactId },
      occurredAt: new Date().toISOString(),
      properties: { messageId: ledger.messageId, url: "https://example.com/g" },
      idempotencyKey: `click-${contactId}`,
    });
    expect(clicked.status).toBe(200);
    const result = await handle.result();
    expect(result).toMatchObject({ state: "exited", exitReason: "goal: stage sql reached", emailsSent: 1 });
    expect(result.journal.map((entry: any) => `${entry.stepId ?? entry.type}:${entry.outcome}`)).toEqual([
      "guide:sent",
      "wait-click:waiting",
      "wait-click:then",
      "tell-sales:delivered",
      "hand-off:updated",
      "goal:exited",
    ]);
    const contact = await api(stack, "GET", `/v1/contacts/${contactId}`);
    expect(contact.body.lifecycleStage).toBe("sql");
    const history = await stack.store.stageChange.findMany({ where: { contactId }, orderBy: { id: "asc" } });
    expect(history.at(-1)).toMatchObject({ toStage: "sql", source: "workflow" });

    // The hand-off reached the CRM once: signed, with an idempotency key, naming the contact by id.
    const delivered = hooks.filter((hook) => hook.body.includes(contactId));
    expect(delivered).toHaveLength(1);
    const [hook] = delivered;
    const timestamp = String(hook?.headers["x-nurtureflow-timestamp"]);
    const expected = createHmac("sha256", WEBHOOK_SECRET).update(`${timestamp}.${hook?.body}`).digest("hex");
    expect(hook?.headers["x-nurtureflow-signature"]).toBe(`sha256=${expected}`);
    expect(hook?.headers["idempotency-key"]).toBe(`${result.enrollmentId}:tell-sales`);
    const payload = JSON.parse(hook?.body ?? "{}");
    expect(payload).toMatchObject({ contactId, stage: "mql", stepId: "tell-sales" });
    expect(hook?.body).not.toContain("clicker@example.com");
    recordHistory(handle.workflowId, "v1-example-click");
  });

  test("with a scripted timeline (an open, then a stage change) the run does what the simulation says, in order", async () => {
    const definition = {
      key: "scripted",
      name: "Scripted timeline",
      category: "marketing",
      trigger: { type: "stage_entered", stage: "opportunity" },
      goals: [{ type: "stage_reached", stage: "customer" }],
      steps: [
        { id: "intro", type: "send_email", template: "nurture-lead" },
        {
          id: "wait-open",
          type: "wait_for_event",
          event: { type: "email_opened", step: "intro" },
          timeout: "20s",
          then: [{ id: "follow", type: "send_email", template: "nurture-mql" }],
          else: [{ id: "nudge", type: "send_email", template: "nurture-opportunity" }],
        },
        { id: "pause", type: "wait", duration: "20s" },
        { id: "last", type: "send_email", template: "welcome" },
      ],
    };
    expect((await api(stack, "POST", "/v1/sequences", definition)).status).toBe(201);
    await api(stack, "POST", "/v1/sequences/scripted/activate");
    const simulated = await api(stack, "POST", "/v1/sequences/scripted/simulate", {
      contact: { stage: "opportunity", segment: "new", score: 0, properties: { country: "IT" } },
      timeline: [
        { after: "2s", event: { type: "email_opened", step: "intro" } },
        { after: "4s", stage: "customer" },
      ],
    });
    expect(simulated.status).toBe(200);

    // The same timeline, played for real: the open once the intro is sent, the stage change once the
    // follow-up is sent (both well inside the 20 s waits, as in the script).
    const email = "scripted@example.com";
    const contactId = await mqlContact(email);
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "opportunity" });
    const handle = await started("scripted", contactId, "stage/opportunity");
    const intro = await sink.waitForMessage((m) => m.envelope.to.includes(email), 30_000);
    const opened = await api(stack, "POST", "/v1/events", {
      type: "email_opened",
      contact: { id: contactId },
      occurredAt: new Date().toISOString(),
      properties: { messageId: intro.messageId },
      idempotencyKey: `open-${contactId}`,
    });
    expect(opened.status).toBe(200);
    await waitUntil(
      async () => sink.messages().filter((m) => m.envelope.to.includes(email)).length === 2,
      30_000,
      "the follow-up",
    );
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "customer" });
    await handle.result();

    const enrollments = await api(stack, "GET", `/v1/enrollments?contactId=${contactId}&sequence=scripted`);
    const detail = await api(
      stack,
      "GET",
      `/v1/enrollments/${encodeURIComponent(enrollments.body.enrollments[0].id)}`,
    );
    const line = (step: any) => `${step.stepId ?? step.type}:${step.outcome}`;
    expect(detail.body.steps.map(line)).toEqual(simulated.body.steps.map(line));
    expect(detail.body.steps.map(line)).toEqual([
      "intro:sent",
      "wait-open:waiting",
      "wait-open:then",
      "follow:sent",
      "pause:waiting",
      "goal:exited",
    ]);
    expect(detail.body).toMatchObject({ status: "exited", exitReason: simulated.body.ending.reason });
    // The emails the sink received, in order, are the simulation's sends.
    const ledger = await stack.store.sendLedger.findMany({ where: { contactId } });
    const templateOf = new Map(ledger.map((row) => [row.messageId, row.templateKey]));
    const received = sink
      .messages()
      .filter((m) => m.envelope.to.includes(email))
      .map((m) => templateOf.get(m.messageId ?? ""));
    const planned = simulated.body.steps.filter((step: any) => step.outcome === "sent");
    expect(received).toEqual(planned.map((step: any) => step.template));
    expect(received).toEqual(["nurture-lead", "nurture-mql"]);
    recordHistory(handle.workflowId, "v1-scripted-open-then-goal");
  });

  test("pausing holds a run before its send; resuming releases it", async () => {
    const definition = {
      key: "pausable",
      name: "Pausable",
      category: "marketing",
      trigger: { type: "stage_entered", stage: "sql" },
      steps: [
        { id: "pause-here", type: "wait", duration: "2s" },
        { id: "note", type: "send_email", template: "nurture-mql" },
      ],
    };
    expect((await api(stack, "POST", "/v1/sequences", definition)).status).toBe(201);
    await api(stack, "POST", "/v1/sequences/pausable/activate");
    const contactId = await mqlContact("paused@example.com");
    await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "sql" });
    const handle = await started("pausable", contactId, "stage/sql");
    await waitUntil(async () => {
      try {
        return (await handle.query(sequenceRunViewQuery)).state === "waiting";
      } catch {
        return false;
      }
    });
    expect((await api(stack, "POST", "/v1/sequences/pausable/pause")).body).toMatchObject({
      status: "paused",
    });
    await waitUntil(
      async () => (await handle.query(sequenceRunViewQuery)).state === "paused",
      15_000,
      "held",
    );
    expect(await stack.store.sendLedger.count({ where: { contactId } })).toBe(0);
    expect((await api(stack, "POST", "/v1/sequences/pausable/resume")).body).toMatchObject({
      status: "active",
    });
    const result = await handle.result();
    expect(result).toMatchObject({ state: "completed", emailsSent: 1 });
  });
});
