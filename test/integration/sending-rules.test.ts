// The sending-rules decision on the real PostgreSQL: the per-contact lock and the reservation it writes.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSendDecisionActivities } from "../../activities/sending/send-decision-activity.ts";
import { createApp } from "../../api/app.ts";
import { parseConfig } from "../../domain/config.ts";
import { type ContactStore, openContactStore } from "../../prisma/client.ts";
import { createDatabaseFromTemplate } from "../support/postgres.ts";
import { waitUntil } from "../support/wait.ts";

let store: ContactStore;

beforeAll(async () => {
  store = openContactStore(await createDatabaseFromTemplate(inject("templateDatabase")));
});

afterAll(async () => {
  await store?.$disconnect();
});

const newContact = (timeZone = "UTC") =>
  store.contact.create({
    data: { email: `c-${crypto.randomUUID()}@example.com`, timeZone, marketingConsent: true },
  });

describe("applySendingRules", () => {
  it("lets exactly one of two simultaneous marketing sends through a 1/1d cap and defers the other", async () => {
    const contact = await newContact();
    // The first caller to read the clock (inside its transaction, before counting) holds until the
    // second is either queued on the contact's lock or, were there no lock, inside its own transaction
    // too: the race the lock must win is forced, not left to timing.
    let arrivals = 0;
    const secondIsWaitingOrInside = async () => {
      if (arrivals >= 2) return true;
      const [row] = await store.$queryRaw<{ waiting: number }[]>`
        SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      return (row?.waiting ?? 0) > 0;
    };
    const gated = createSendDecisionActivities({
      store,
      config: parseConfig({ FREQUENCY_CAP: "1/1d" }),
      now: async () => {
        arrivals += 1;
        if (arrivals === 1)
          await waitUntil(secondIsWaitingOrInside, 15_000, "the second decision to be queued or inside");
        return new Date();
      },
    });
    const ask = (enrollmentId: string) =>
      gated.applySendingRules({
        contactId: contact.id,
        enrollmentId,
        stepId: "guide",
        attempt: 0,
        category: "marketing",
        firstDueAt: new Date().toISOString(),
      });
    const outcomes = await Promise.all([ask("seq/a/contact/1"), ask("seq/b/contact/1")]);
    const actions = outcomes.map((outcome) => outcome.action).sort();
    expect(actions).toEqual(["defer", "send"]);
    const deferred = outcomes.find((outcome) => outcome.action === "defer");
    expect(deferred).toMatchObject({ reason: "frequency cap 1/1d reached" });

    const rows = await store.sendDecision.findMany({
      where: { contactId: contact.id },
      orderBy: { id: "asc" },
    });
    expect(rows.map((row) => row.decision)).toEqual(["send", "defer"]);
    // The deferral ends one day after the reservation that filled the cap.
    expect(rows[1]?.deferUntil?.getTime()).toBe((rows[0]?.decidedAt.getTime() ?? 0) + 86_400_000);
  });

  it("gives a retried attempt the decision already taken, and decides afresh on the next attempt", async () => {
    const contact = await newContact();
    let now = new Date("2026-12-04T10:00:00Z");
    const { applySendingRules } = createSendDecisionActivities({
      store,
      config: parseConfig({ FREQUENCY_CAP: "1/1d" }),
      now: () => now,
    });
    const input = {
      contactId: contact.id,
      enrollmentId: "seq/c/contact/2",
      stepId: "guide",
      category: "marketing" as const,
      firstDueAt: now.toISOString(),
    };
    await applySendingRules({ ...input, enrollmentId: "seq/other/contact/2", attempt: 0 });
    const first = await applySendingRules({ ...input, attempt: 0 });
    expect(first).toEqual({
      action: "defer",
      until: "2026-12-05T10:00:00.000Z",
      reason: "frequency cap 1/1d reached",
    });
    now = new Date("2026-12-04T11:00:00Z");
    expect(await applySendingRules({ ...input, attempt: 0 })).toEqual(first);
    now = new Date("2026-12-05T10:00:00Z");
    expect(await applySendingRules({ ...input, attempt: 1 })).toEqual({ action: "send" });
    expect(await store.sendDecision.count({ where: { contactId: contact.id } })).toBe(3);
  });

  it("defers for quiet hours in the contact's zone, exempts transactional sends and expires late ones", async () => {
    const contact = await newContact("Europe/Rome");
    const now = new Date("2026-12-04T21:30:00Z"); // 22:30 in Rome
    const { applySendingRules } = createSendDecisionActivities({
      store,
      config: parseConfig({ QUIET_HOURS: "21:00-08:00" }),
      now: () => now,
    });
    const base = { contactId: contact.id, stepId: "s", attempt: 0, firstDueAt: now.toISOString() };
    expect(await applySendingRules({ ...base, enrollmentId: "e1", category: "marketing" })).toEqual({
      action: "defer",
      until: "2026-12-05T07:00:00.000Z",
      reason: "quiet hours 21:00-08:00 in Europe/Rome",
    });
    expect(await applySendingRules({ ...base, enrollmentId: "e2", category: "transactional" })).toEqual({
      action: "send",
    });
    expect(
      await applySendingRules({
        ...base,
        enrollmentId: "e3",
        category: "marketing",
        firstDueAt: "2026-12-04T09:00:00.000Z",
        expiry: "12h",
      }),
    ).toMatchObject({ action: "expire" });
  });

  it("applies rules stored through the API over the environment's", async () => {
    const contact = await newContact();
    await store.setting.create({ data: { key: "sending.rules", value: { frequencyCap: "1/1h" } } });
    const { applySendingRules } = createSendDecisionActivities({ store, config: parseConfig({}) });
    const ask = (enrollmentId: string) =>
      applySendingRules({
        contactId: contact.id,
        enrollmentId,
        stepId: "s",
        attempt: 0,
        category: "marketing",
        firstDueAt: new Date().toISOString(),
      });
    expect(await ask("x1")).toEqual({ action: "send" });
    expect(await ask("x2")).toMatchObject({ action: "defer", reason: "frequency cap 1/1h reached" });
    await store.setting.delete({ where: { key: "sending.rules" } });
  });
});

describe("/v1/sending/rules and the timeline", () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    const config = parseConfig({ FREQUENCY_CAP: "2/1d", QUIET_HOURS: "off" });
    const app = createApp({ config, store, logger: pino({ level: "silent" }) });
    server = await new Promise((resolve) => {
      const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: (await response.json()) as any,
    };
  };

  it("reads the environment's rules, lets the API override them field by field, and refuses bad values", async () => {
    expect((await call("GET", "/v1/sending/rules")).body).toEqual({
      frequencyCap: "2/1d",
      quietHours: "off",
      defaultTimeZone: "UTC",
      fromApi: [],
    });
    const put = await call("PUT", "/v1/sending/rules", {
      quietHours: "21:00-08:00",
      defaultTimeZone: "Europe/Rome",
    });
    expect(put).toMatchObject({
      status: 200,
      body: { frequencyCap: "2/1d", quietHours: "21:00-08:00", defaultTimeZone: "Europe/Rome" },
    });
    expect((await call("GET", "/v1/sending/rules")).body.fromApi).toEqual(["quietHours", "defaultTimeZone"]);

    const bad = await call("PUT", "/v1/sending/rules", {
      frequencyCap: "lots",
      quietHours: "25:00-08:00",
      defaultTimeZone: "Mars/Olympus",
    });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      "defaultTimeZone",
      "frequencyCap",
      "quietHours",
    ]);
    // Nothing was written by the refused request.
    expect((await call("GET", "/v1/sending/rules")).body.quietHours).toBe("21:00-08:00");

    await call("PUT", "/v1/sending/rules", {});
    expect((await call("GET", "/v1/sending/rules")).body).toMatchObject({ quietHours: "off", fromApi: [] });
  });

  it("shows deferred and expired sends in the contact's timeline", async () => {
    const contact = await newContact();
    await store.sendDecision.createMany({
      data: [
        {
          contactId: contact.id,
          enrollmentId: "t1",
          stepId: "guide",
          attempt: 0,
          category: "marketing",
          decision: "defer",
          reason: "frequency cap 2/1d reached",
          deferUntil: new Date("2026-12-05T10:00:00Z"),
          decidedAt: new Date("2026-12-04T10:00:00Z"),
        },
        {
          contactId: contact.id,
          enrollmentId: "t1",
          stepId: "guide",
          attempt: 1,
          category: "marketing",
          decision: "expire",
          reason: "not sent within 3d",
          decidedAt: new Date("2026-12-05T10:00:00Z"),
        },
      ],
    });
    const { body } = await call("GET", `/v1/contacts/${contact.id}/timeline`);
    expect(body.entries.filter((entry: { kind: string }) => entry.kind.startsWith("send_"))).toEqual([
      {
        at: "2026-12-05T10:00:00.000Z",
        kind: "send_expired",
        enrollmentId: "t1",
        stepId: "guide",
        reason: "not sent within 3d",
      },
      {
        at: "2026-12-04T10:00:00.000Z",
        kind: "send_deferred",
        enrollmentId: "t1",
        stepId: "guide",
        reason: "frequency cap 2/1d reached",
        until: "2026-12-05T10:00:00.000Z",
      },
    ]);
  });
});
