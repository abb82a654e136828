// Issue #13: the data-subject rights on the whole stack. A contact with one record of every kind
// (merged ghost, events, profile update, stages, segments, score points, cart, order, a program run
// that sent, opened, clicked, called a webhook and is still waiting, a suppression) is exported in
// full, then erased: no table keeps its email, name, properties or ids of its own, its running run is
// cancelled through Temporal, its address stays suppressed for a new contact, and the audit entry
// holds counts only.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Client, QueryNotRegisteredError, WorkflowNotFoundError } from "@temporalio/client";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { createApp } from "../../api/app.ts";
import { parseConfig } from "../../domain/config.ts";
import { sequenceRunViewQuery } from "../../workflows/sequence-signals.ts";
import type { SmtpSink } from "../support/smtp-sink.ts";
import { startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const EMAIL = "ada.quokka@example.com";
const NAME = "Ada Quokkaworth";
const EXTERNAL_ID = "crm-user-quokka-42";
const ANONYMOUS_ID = "anon-quokka-visitor";
const PROPERTIES = { company: "Quokka Works Ltd", city: "Wollongong-Quokka" };
const TRAIT = "quokka-premium-plan";
/** What must not survive the erasure anywhere in the database. */
const PERSONAL = [EMAIL, NAME, EXTERNAL_ID, ANONYMOUS_ID, ...Object.values(PROPERTIES), TRAIT];

let sink: SmtpSink;
let stack: TestStack;
let temporal: Client;
let receiver: http.Server;
const hooks: string[] = [];

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      hooks.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hookHost = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sink = await startSmtpSink();
  stack = await startTestStack({
    smtpUrl: sink.url,
    env: { EMAIL_TRACKING: "on", WEBHOOK_ALLOWED_HOSTS: hookHost, FREQUENCY_CAP: "20/1d" },
  });
  await publishSequenceVersion(stack.store, "erasure-probe", {
    key: "erasure-probe",
    name: "Sends, calls the CRM, then waits a day",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "lead" },
    entry: { reEntry: { mode: "never" } },
    steps: [
      {
        id: "hello",
        type: "send_email",
        template: "welcome",
        data: { resourcesUrl: "https://example.com/r" },
      },
      { id: "tell-crm", type: "webhook", url: `http://${hookHost}/hooks/lead` },
      { id: "linger", type: "wait", duration: "1d" },
      {
        id: "later",
        type: "send_email",
        template: "welcome",
        data: { resourcesUrl: "https://example.com/r" },
      },
    ],
    goals: [],
  });
  await stack.startWorker();
  temporal = await stack.temporal();
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function post(path: string, body: unknown, expected = 200) {
  const answer = await api(stack, "POST", path, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(expected);
  return answer.body;
}

/** Every text and JSON column of every table that contains the value (case-insensitive). */
async function tablesHolding(value: string): Promise<string[]> {
  const columns = await stack.store.$queryRaw<Array<{ table: string; column: string }>>`
    SELECT table_name::text AS table, column_name::text AS column FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'
      AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`;
  expect(columns.length).toBeGreaterThan(20);
  const holding: string[] = [];
  for (const { table, column } of columns) {
    const [row] = await stack.store.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text ILIKE $1`,
      `%${value}%`,
    );
    if ((row?.n ?? 0) > 0) holding.push(`${table}.${column}`);
  }
  return holding;
}

const PROBE_RUN = (contactId: string) => `seq/erasure-probe/contact/${contactId}/stage/lead`;
async function probeRunLingers(contactId: string): Promise<void> {
  await waitUntil(
    async () => {
      // Not started yet while the outbox row is on its way, or not yet past reading the contact.
      const view = await temporal.workflow
        .getHandle(PROBE_RUN(contactId))
        .query(sequenceRunViewQuery)
        .catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) return null;
          throw error;
        });
      return view?.state === "waiting" && view.stepId === "linger";
    },
    60_000,
    "the run waiting on its wait step",
  );
}

const probeEnrollment = (contactId: string) =>
  stack.store.enrollment.findFirstOrThrow({ where: { contactId, sequenceKey: "erasure-probe" } });

describe("export and erasure of a contact", () => {
  let contactId: string;

  test("a contact with a record of every kind", async () => {
    await post(
      "/v1/events",
      {
        type: "page_view",
        contact: { anonymousId: ANONYMOUS_ID },
        occurredAt: minutesAgo(30),
        properties: { path: "/pricing" },
        idempotencyKey: "erasure-pv-1",
      },
      200,
    );
    const created = await post(
      "/v1/contacts",
      { email: EMAIL, name: NAME, timeZone: "Europe/London", marketingConsent: true, properties: PROPERTIES },
      201,
    );
    contactId = created.id;
    // The visitor identifies itself: the ghost is merged into the contact.
    await post("/v1/events", {
      type: "form_submitted",
      contact: { anonymousId: ANONYMOUS_ID, email: EMAIL },
      occurredAt: minutesAgo(20),
      properties: { form: "demo" },
      idempotencyKey: "erasure-form-1",
    });
    await post("/v1/identify", {
      userId: EXTERNAL_ID,
      traits: { email: EMAIL, plan: TRAIT },
      messageId: "erasure-identify-1",
    });
    const contact = await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } });
    expect(contact).toMatchObject({ lifecycleStage: "lead", externalId: EXTERNAL_ID });

    // The run sends (tracked), calls the CRM and waits.
    const message = await sink.waitForMessage((mail) => mail.envelope.to.includes(EMAIL), 60_000);
    const html = String(message.html);
    const pixel = /<img src="([^"]*\/t\/o\/[^"]+\.gif)"/.exec(html)?.[1];
    const click = [...html.matchAll(/href="([^"]+\/t\/c\/[^"]+)"/g)][0]?.[1];
    expect(pixel && click).toBeTruthy();
    expect((await fetch(pixel ?? "")).status).toBe(200);
    expect((await fetch(click ?? "", { redirect: "manual" })).status).toBe(302);
    await waitUntil(
      async () =>
        (await stack.store.sendLedger.count({
          where: { contactId, firstOpenedAt: { not: null }, firstClickedAt: { not: null } },
        })) === 1,
      30_000,
      "the open and the click on the ledger",
    );
    await waitUntil(
      async () =>
        (await stack.store.webhookDelivery.count({ where: { contactId, status: "delivered" } })) === 1,
      60_000,
      "the webhook step delivered",
    );
    await probeRunLingers(contactId);

    await post("/v1/events", {
      events: [
        {
          type: "cart_updated",
          contact: { id: contactId },
          occurredAt: minutesAgo(10),
          properties: {
            cartId: "erasure-cart-1",
            value: 30,
            items: [{ name: "Plush toy", quantity: 1, price: 30 }],
          },
          idempotencyKey: "erasure-cart-1",
        },
        {
          type: "order_placed",
          contact: { id: contactId },
          occurredAt: minutesAgo(5),
          properties: { orderId: "erasure-order-1", cartId: "erasure-cart-1", total: 30 },
          idempotencyKey: "erasure-order-1",
        },
      ],
    });
    await post("/v1/webhooks/email-events", { type: "bounce", email: EMAIL, reason: "mailbox full" });
  });

  test("the export holds every kind of record", async () => {
    const answer = await api(stack, "GET", `/v1/contacts/${contactId}/export`);
    expect(answer.status).toBe(200);
    const document = answer.body;
    expect(document.contact).toMatchObject({
      id: contactId,
      email: EMAIL,
      name: NAME,
      properties: { ...PROPERTIES, plan: TRAIT },
    });
    expect(document.mergedGhosts).toEqual([expect.objectContaining({ mergedIntoId: contactId })]);
    expect(document.anonymousIds).toEqual([expect.objectContaining({ anonymousId: ANONYMOUS_ID })]);
    expect(document.events.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining([
        "page_view",
        "form_submitted",
        "email_opened",
        "email_clicked",
        "cart_updated",
        "order_placed",
      ]),
    );
    expect(document.profileUpdates).toEqual([
      expect.objectContaining({ idempotencyKey: "erasure-identify-1" }),
    ]);
    expect(document.stageChanges.map((change: { toStage: string }) => change.toStage)).toEqual(
      expect.arrayContaining(["lead", "customer"]),
    );
    expect(document.segmentHistory.length).toBeGreaterThan(0);
    expect(document.scorePoints.length).toBeGreaterThan(0);
    expect(document.carts).toEqual([expect.objectContaining({ id: "erasure-cart-1", status: "purchased" })]);
    expect(document.orders).toEqual([expect.objectContaining({ id: "erasure-order-1", total: "30" })]);
    expect(document.enrollments).toEqual([
      expect.objectContaining({ id: expect.stringContaining(PROBE_RUN(contactId)), status: "running" }),
    ]);
    expect(document.sends).toEqual([
      expect.objectContaining({
        toAddress: EMAIL,
        status: "sent",
        firstOpenedAt: expect.any(String),
        firstClickedAt: expect.any(String),
      }),
    ]);
    // The run consulted the sending rules before its first email (FREQUENCY_CAP is on).
    expect(document.sendDecisions).toEqual([expect.objectContaining({ stepId: "hello", decision: "send" })]);
    expect(document.webhookDeliveries).toEqual([
      expect.objectContaining({ stepId: "tell-crm", status: "delivered" }),
    ]);
    expect(document.outbox.length).toBeGreaterThan(0);
    expect(document.suppressions).toEqual([expect.objectContaining({ email: EMAIL, reason: "hard_bounce" })]);
  });

  test("before erasure the scan finds the person where the store keeps it", async () => {
    expect(await tablesHolding(EMAIL)).toEqual(
      expect.arrayContaining(["Contact.email", "SendLedger.toAddress", "Suppression.email"]),
    );
    expect(await tablesHolding(PROPERTIES.company)).toEqual(["Contact.properties"]);
    expect(await tablesHolding(ANONYMOUS_ID)).toEqual(["AnonymousIdentity.anonymousId"]);
  });

  test("erasure leaves no personal data in any table, cancels the run and keeps the aggregates", async () => {
    const mailsBefore = sink.messages().filter((mail) => mail.envelope.to.includes(EMAIL)).length;
    const erased = await api(stack, "DELETE", `/v1/contacts/${contactId}`);
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(erased.body).toMatchObject({ contactId, runsCancelled: 1 });
    expect(erased.body.records).toMatchObject({
      Contact: 2,
      SendLedger: 1,
      Suppression: 1,
      AnonymousIdentity: 1,
    });

    // The run was told to exit through Temporal, and did.
    const run = temporal.workflow.getHandle(PROBE_RUN(contactId));
    await waitUntil(async () => (await run.describe()).status.name !== "RUNNING", 30_000, "the run closed");
    expect((await run.describe()).status.name).toBe("COMPLETED");
    await waitUntil(
      async () => (await probeEnrollment(contactId)).status !== "running",
      30_000,
      "the enrollment ended",
    );
    expect(await probeEnrollment(contactId)).toMatchObject({
      exitReason: expect.stringContaining("contact erased"),
    });

    for (const value of PERSONAL)
      expect({ value, tables: await tablesHolding(value) }).toEqual({ value, tables: [] });

    // Aggregates: stages, segment, revenue, the sends and their outcomes stay, without the person.
    const row = await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } });
    expect(row).toMatchObject({
      email: null,
      name: null,
      lifecycleStage: "customer",
      orderCount: 1,
      erasedAt: expect.any(Date),
    });
    expect(String(row.totalRevenue)).toBe("30");
    expect(await stack.store.sendLedger.findFirst({ where: { contactId } })).toMatchObject({
      status: "sent",
      firstClickedAt: expect.any(Date),
    });
    expect(await stack.store.stageChange.count({ where: { contactId } })).toBeGreaterThanOrEqual(2);
    const audit = await stack.store.contactErasure.findUniqueOrThrow({ where: { contactId } });
    expect(audit.runsCancelled).toBe(1);

    const gone = await api(stack, "GET", `/v1/contacts/${contactId}`);
    expect(gone.status).toBe(410);
    expect(gone.body.detail).toBe(`the contact was erased at ${audit.erasedAt.toISOString()}`);
    expect((await api(stack, "GET", `/v1/contacts/${contactId}/export`)).status).toBe(410);
    // The stage route reads the erasure through pg, not Prisma: the same instant.
    const moved = await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "sql" });
    expect(moved.status).toBe(410);
    expect(moved.body.detail).toBe(gone.body.detail);
    expect(
      (await api(stack, "GET", `/v1/contacts?email=${encodeURIComponent(EMAIL)}`)).body.contacts,
    ).toEqual([]);
    expect(sink.messages().filter((mail) => mail.envelope.to.includes(EMAIL))).toHaveLength(mailsBefore);
  });

  test("a second erasure answers the same audit entry", async () => {
    const again = await api(stack, "DELETE", `/v1/contacts/${contactId}`);
    expect(again.status).toBe(200);
    const audit = await stack.store.contactErasure.findUniqueOrThrow({ where: { contactId } });
    expect(again.body).toEqual({
      contactId,
      erasedAt: audit.erasedAt.toISOString(),
      runsCancelled: 1,
      records: audit.records,
    });
    expect((await api(stack, "DELETE", "/v1/contacts/00000000-0000-4000-8000-000000000000")).status).toBe(
      404,
    );
  });

  test("an event naming the erased contact's id is refused and writes nothing", async () => {
    const eventsBefore = await stack.store.event.count({ where: { contactId } });
    const rowBefore = await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } });
    const refused = await api(stack, "POST", "/v1/events", {
      type: "custom.pricing_viewed",
      contact: { id: contactId },
      occurredAt: new Date().toISOString(),
      properties: { plan: "team" },
      idempotencyKey: "after-erasure-1",
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { field: "contact.id", message: expect.stringContaining("erased") },
    ]);
    expect(await stack.store.event.count({ where: { contactId } })).toBe(eventsBefore);
    expect(await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).toEqual(rowBefore);
  });

  test("the erased address stays suppressed: a new contact with it gets no marketing email", async () => {
    const mailsBefore = sink.messages().filter((mail) => mail.envelope.to.includes(EMAIL)).length;
    const again = await post(
      "/v1/contacts",
      { email: EMAIL, name: "Someone New", marketingConsent: true },
      201,
    );
    expect(again.id).not.toBe(contactId);
    expect((await api(stack, "PUT", `/v1/contacts/${again.id}/stage`, { stage: "lead" })).status).toBe(200);
    // Positive signal: the send step ran and recorded its decision on the ledger.
    await waitUntil(
      async () =>
        (await stack.store.sendLedger.count({ where: { contactId: again.id, status: { not: "pending" } } })) >
        0,
      60_000,
      "the new contact's send decided",
    );
    expect(await stack.store.sendLedger.findFirst({ where: { contactId: again.id } })).toMatchObject({
      status: "suppressed",
      error: "suppressed: hard_bounce",
    });
    expect(sink.messages().filter((mail) => mail.envelope.to.includes(EMAIL))).toHaveLength(mailsBefore);
    // The list keeps a keyed hash, never the address.
    expect(await stack.store.suppression.findUnique({ where: { email: EMAIL } })).toBeNull();
  });

  test("with Temporal unreachable the data is erased at once (503), and the DELETE sent again cancels the run", async () => {
    const other = await post(
      "/v1/contacts",
      { email: "tide@example.com", name: "Tide Pool", marketingConsent: true },
      201,
    );
    expect((await api(stack, "PUT", `/v1/contacts/${other.id}/stage`, { stage: "lead" })).status).toBe(200);
    await probeRunLingers(other.id);

    const cutOff = createApp({
      config: parseConfig({ DATABASE_URL: stack.config.databaseUrl, TEMPORAL_ADDRESS: "127.0.0.1:9" }),
      store: stack.store,
      logger: pino({ level: "silent" }),
    });
    const server = await new Promise<http.Server>((resolve) => {
      const listening = cutOff.listen(0, "127.0.0.1", () => resolve(listening));
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const refused = await fetch(`http://127.0.0.1:${port}/v1/contacts/${other.id}`, { method: "DELETE" });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { detail: string }).detail).toContain("send the DELETE again");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await stack.store.contact.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
      email: null,
      name: null,
      erasedAt: expect.any(Date),
    });
    const run = temporal.workflow.getHandle(PROBE_RUN(other.id));
    expect((await run.describe()).status.name).toBe("RUNNING");

    const again = await api(stack, "DELETE", `/v1/contacts/${other.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ contactId: other.id, runsCancelled: 1 });
    await waitUntil(async () => (await run.describe()).status.name !== "RUNNING", 30_000, "the run closed");
    expect((await probeEnrollment(other.id)).exitReason).toContain("contact erased");
  });
});
