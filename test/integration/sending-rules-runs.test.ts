// The sending rules acting on real runs (Temporal, PostgreSQL, SMTP): a frequency cap across two
// programs defers the second email and sends it once the window has room, quiet hours defer to the
// contact's local end of them, and a send that cannot go within its step's limit is recorded expired.
import { describe, expect, test } from "vitest";
import { sequenceRunViewQuery } from "../../workflows/sequence-signals.ts";
import { recordHistory } from "../support/history-recorder.ts";
import { defineAndActivate, marketingContact, startedRun, useRunStack } from "../support/sequence-runs.ts";
import { api } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const env = useRunStack();

const program = (key: string, stage: string, steps: unknown[]) => ({
  key,
  name: key,
  category: "marketing",
  trigger: { type: "stage_entered", stage },
  steps,
});

const activate = (key: string, stage: string, steps: unknown[]) =>
  defineAndActivate(env.stack, program(key, stage, steps));

async function setRules(rules: { frequencyCap: string; quietHours: string }): Promise<void> {
  expect((await api(env.stack, "PUT", "/v1/sending/rules", rules)).status).toBe(200);
}

const mailsTo = (email: string) => env.sink.messages().filter((m) => m.envelope.to.includes(email));

async function enrollmentOf(contactId: string, sequence: string): Promise<string> {
  const listed = await api(env.stack, "GET", `/v1/enrollments?contactId=${contactId}&sequence=${sequence}`);
  const [enrollment] = listed.body.enrollments;
  return enrollment.id;
}

const enrollmentDetail = async (id: string) =>
  (await api(env.stack, "GET", `/v1/enrollments/${encodeURIComponent(id)}`)).body;

/** Waits until the enrollment's next action is its deferred send. */
const shownDeferred = (id: string) =>
  waitUntil(
    async () => (await enrollmentDetail(id)).next?.action === "deferred_send",
    30_000,
    "enrollment shown deferred",
  );

describe("sending rules on real runs", () => {
  test("a 1/15s cap set through the API defers the second program's email, then sends it when the window has room", async () => {
    const rules = await api(env.stack, "PUT", "/v1/sending/rules", {
      frequencyCap: "1/15s",
      quietHours: "off",
    });
    expect(rules.body).toMatchObject({ frequencyCap: "1/15s", fromApi: ["frequencyCap", "quietHours"] });
    await activate("cap-a", "customer", [{ id: "a-mail", type: "send_email", template: "nurture-lead" }]);
    await activate("cap-b", "customer", [{ id: "b-mail", type: "send_email", template: "nurture-mql" }]);
    const email = "capped@example.com";
    const contactId = await marketingContact(env.stack, email);
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "customer" });
    const runs = await Promise.all(
      ["cap-a", "cap-b"].map((key) => startedRun(env.temporal, key, contactId, "stage/customer")),
    );

    // Both programs asked at once; one was let through and the other deferred to the end of the window.
    await waitUntil(
      async () => (await env.stack.store.sendDecision.count({ where: { contactId } })) === 2,
      30_000,
      "both decisions",
    );
    const [first, deferral] = await env.stack.store.sendDecision.findMany({
      where: { contactId },
      orderBy: { id: "asc" },
    });
    expect(first).toMatchObject({ decision: "send", attempt: 0, category: "marketing" });
    expect(deferral).toMatchObject({ decision: "defer", attempt: 0, reason: "frequency cap 1/15s reached" });
    const until = deferral?.deferUntil?.toISOString();
    expect(deferral?.deferUntil?.getTime()).toBe((first?.decidedAt.getTime() ?? 0) + 15_000);

    // The deferred enrollment says so, with the moment it tries again; only the first email went out.
    const deferredId = deferral?.enrollmentId ?? "";
    await shownDeferred(deferredId);
    const detail = await enrollmentDetail(deferredId);
    expect(detail.next).toEqual({ action: "deferred_send", at: until });
    expect(detail.steps).toContainEqual(
      expect.objectContaining({ outcome: "deferred", until, reason: "frequency cap 1/15s reached" }),
    );
    await waitUntil(async () => mailsTo(email).length === 1, 30_000, "the first email");
    expect(await env.stack.store.sendLedger.count({ where: { enrollmentId: deferredId } })).toBe(0);

    const results = await Promise.all(runs.map((run) => run.result()));
    expect(results.map((result) => result.emailsSent)).toEqual([1, 1]);
    expect(mailsTo(email)).toHaveLength(2);
    const retried = await env.stack.store.sendDecision.findMany({
      where: { enrollmentId: deferredId },
      orderBy: { attempt: "asc" },
    });
    expect(retried.map((row) => `${row.attempt}:${row.decision}`)).toEqual(["0:defer", "1:send"]);
    expect(retried[1]?.decidedAt.getTime()).toBeGreaterThanOrEqual(deferral?.deferUntil?.getTime() ?? 0);
    const deferredAt = results.findIndex((result) => result.enrollmentId === deferredId);
    const journal = results[deferredAt]?.journal ?? [];
    expect(journal.map((entry: any) => `${entry.stepId ?? entry.type}:${entry.outcome}`)).toEqual([
      expect.stringMatching(/^[ab]-mail:deferred$/),
      expect.stringMatching(/^[ab]-mail:sent$/),
      "run:completed",
    ]);
    recordHistory(runs[deferredAt]?.workflowId ?? "", "v1-cap-deferred-then-sent");
  }, 120_000);

  test("a sequence paused while its send is deferred holds the send past the deferral; resumed, it asks again and sends", async () => {
    await setRules({ frequencyCap: "1/6s", quietHours: "off" });
    await activate("hold-first", "lead", [{ id: "first", type: "send_email", template: "nurture-lead" }]);
    await activate("hold-second", "mql", [{ id: "second", type: "send_email", template: "nurture-mql" }]);
    const email = "held@example.com";
    const contactId = await marketingContact(env.stack, email);
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    await (await startedRun(env.temporal, "hold-first", contactId, "stage/lead")).result();
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "mql" });
    const run = await startedRun(env.temporal, "hold-second", contactId, "stage/mql");
    const enrollmentId = await enrollmentOf(contactId, "hold-second");
    await shownDeferred(enrollmentId);
    expect((await api(env.stack, "POST", "/v1/sequences/hold-second/pause")).status).toBe(200);
    await waitUntil(
      async () => (await run.query(sequenceRunViewQuery)).state === "paused",
      30_000,
      "the run held",
    );
    // The deferral's moment passes while paused: the run still holds and has not asked again.
    const deferral = await env.stack.store.sendDecision.findFirstOrThrow({ where: { enrollmentId } });
    await waitUntil(
      async () => Date.now() > (deferral.deferUntil?.getTime() ?? 0) + 3_000,
      30_000,
      "the deferral's moment to pass",
    );
    expect((await run.query(sequenceRunViewQuery)).state).toBe("paused");
    expect(await env.stack.store.sendDecision.count({ where: { enrollmentId } })).toBe(1);
    expect(mailsTo(email)).toHaveLength(1);

    expect((await api(env.stack, "POST", "/v1/sequences/hold-second/resume")).status).toBe(200);
    expect(await run.result()).toMatchObject({ state: "completed", emailsSent: 1 });
    const decisions = await env.stack.store.sendDecision.findMany({
      where: { enrollmentId },
      orderBy: { attempt: "asc" },
    });
    expect(decisions.map((row) => `${row.attempt}:${row.decision}`)).toEqual(["0:defer", "1:send"]);
    expect(mailsTo(email)).toHaveLength(2);
    recordHistory(run.workflowId, "v1-deferred-send-paused-then-resumed");
  }, 120_000);

  test("quiet hours defer a send to their end in the contact's own time zone", async () => {
    // Quiet from an hour ago until two hours from now, on Tokyo's clock (UTC+9, no daylight saving).
    const now = new Date();
    const tokyoMinute = (now.getUTCHours() * 60 + now.getUTCMinutes() + 9 * 60) % 1440;
    const hhmm = (minute: number) => {
      const wrapped = (minute + 1440) % 1440;
      return `${String(Math.floor(wrapped / 60)).padStart(2, "0")}:${String(wrapped % 60).padStart(2, "0")}`;
    };
    const quietHours = `${hhmm(tokyoMinute - 60)}-${hhmm(tokyoMinute + 120)}`;
    const quietEnd = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 120 * 60_000).toISOString();
    await setRules({ frequencyCap: "off", quietHours });
    await activate("quiet", "opportunity", [
      { id: "late-night", type: "send_email", template: "nurture-lead" },
    ]);
    const email = "tokyo@example.com";
    const contactId = await marketingContact(env.stack, email, { timeZone: "Asia/Tokyo" });
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "opportunity" });
    const run = await startedRun(env.temporal, "quiet", contactId, "stage/opportunity");
    const enrollmentId = await enrollmentOf(contactId, "quiet");
    await shownDeferred(enrollmentId);
    const decision = await env.stack.store.sendDecision.findFirstOrThrow({ where: { contactId } });
    expect(decision).toMatchObject({
      decision: "defer",
      reason: `quiet hours ${quietHours} in Asia/Tokyo`,
    });
    expect(decision.deferUntil?.toISOString()).toBe(quietEnd);
    expect((await enrollmentDetail(enrollmentId)).next).toEqual({ action: "deferred_send", at: quietEnd });

    // A cancel ends the deferral's timer at once, like any wait's; nothing was sent.
    expect(
      (await api(env.stack, "POST", `/v1/enrollments/${encodeURIComponent(enrollmentId)}/cancel`)).status,
    ).toBe(202);
    expect(await run.result()).toMatchObject({ state: "exited", emailsSent: 0 });
    expect(mailsTo(email)).toHaveLength(0);
    recordHistory(run.workflowId, "v1-quiet-hours-deferred-cancelled");
  }, 120_000);

  test("a send that cannot go within its step's limit is recorded expired and the run goes on without it", async () => {
    await setRules({ frequencyCap: "1/1h", quietHours: "off" });
    await activate("expiry-first", "sql", [{ id: "first", type: "send_email", template: "nurture-lead" }]);
    await activate("expiry-late", "evangelist", [
      { id: "late", type: "send_email", template: "nurture-mql", expireAfter: "2s" },
      { id: "mark", type: "update_contact", set: { properties: { afterExpiry: "yes" } } },
    ]);
    const email = "expiring@example.com";
    const contactId = await marketingContact(env.stack, email);
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "sql" });
    await (await startedRun(env.temporal, "expiry-first", contactId, "stage/sql")).result();
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "evangelist" });
    const run = await startedRun(env.temporal, "expiry-late", contactId, "stage/evangelist");
    const result = await run.result();
    expect(result.journal.map((entry: any) => `${entry.stepId ?? entry.type}:${entry.outcome}`)).toEqual([
      "late:expired",
      "mark:updated",
      "run:completed",
    ]);
    const decision = await env.stack.store.sendDecision.findFirstOrThrow({
      where: { enrollmentId: result.enrollmentId },
    });
    expect(decision.decision).toBe("expire");
    expect(decision.reason).toContain("more than 2s after it was due");
    expect(mailsTo(email)).toHaveLength(1);
    const contact = await api(env.stack, "GET", `/v1/contacts/${contactId}`);
    expect(contact.body.properties).toMatchObject({ afterExpiry: "yes" });
    recordHistory(run.workflowId, "v1-send-expired");
  }, 120_000);
});
