// Real runs of v1 sequences: versions published while runs are in flight, and the re-entry policies
// (bounded histories under thousands of signals: sequence-signal-storm.test.ts).
import { describe, expect, test } from "vitest";
import { defineAndActivate, marketingContact, startedRun, useRunStack } from "../support/sequence-runs.ts";
import { api } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const env = useRunStack();

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

const define = (definition: { key: string }) => defineAndActivate(env.stack, definition);
const contact = (email: string) => marketingContact(env.stack, email);
const started = (key: string, contactId: string, entryKey: string) =>
  startedRun(env.temporal, key, contactId, entryKey);

describe("v1 runs", () => {
  test("a version published while a run is in flight leaves it on its own; new runs take the live one", async () => {
    await define(
      program("versioned", "customer", [
        { id: "wait", type: "wait", duration: "3s" },
        { id: "v1-mail", type: "send_email", template: "nurture-lead" },
      ]),
    );
    const first = await contact("early@example.com");
    await api(env.stack, "PUT", `/v1/contacts/${first}/stage`, { stage: "customer" });
    const early = await started("versioned", first, "stage/customer");
    const v2 = program("versioned", "customer", [
      { id: "v2-mail", type: "send_email", template: "nurture-mql" },
    ]);
    expect((await api(env.stack, "POST", "/v1/sequences/versioned/versions", v2)).body).toMatchObject({
      latestVersion: 2,
    });
    expect(
      (await api(env.stack, "POST", "/v1/sequences/versioned/activate", { version: 2 })).body,
    ).toMatchObject({
      liveVersion: 2,
    });
    const second = await contact("late@example.com");
    await api(env.stack, "PUT", `/v1/contacts/${second}/stage`, { stage: "customer" });
    const late = await started("versioned", second, "stage/customer");
    expect(await late.result()).toMatchObject({
      version: 2,
      journal: [expect.objectContaining({ stepId: "v2-mail" }), expect.anything()],
    });
    expect(await early.result()).toMatchObject({ version: 1, emailsSent: 1 });
    const ledger = await env.stack.store.sendLedger.findMany({ where: { contactId: first } });
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
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    const handle = await started(key, contactId, "stage/lead");
    await handle.result();
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "subscriber" });
    await api(env.stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
    await waitUntil(
      async () => (await env.stack.store.outbox.count({ where: { contactId, dispatchedAt: null } })) === 0,
    );
    await waitUntil(
      async () =>
        (await env.stack.store.enrollment.count({
          where: { sequenceKey: key, contactId, status: "running" },
        })) === 0,
    );
    // Other sequences of this file start on `lead` too: count this one's sends only.
    const sent = await env.stack.store.sendLedger.count({
      where: { contactId, status: "sent", enrollmentId: { startsWith: `seq/${key}/` } },
    });
    expect(sent).toBe(runs);
  });
});
