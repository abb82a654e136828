// The sending-rules decision on the real PostgreSQL: the per-contact lock and the reservation it writes.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSendDecisionActivities } from "../../activities/sending/send-decision-activity.ts";
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
