import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { ContactFacts } from "../../../../domain/sequences/conditions.ts";
import {
  advance,
  type Fact,
  nextAction,
  type RunContext,
  type RunState,
  startRun,
} from "../../../../domain/sequences/interpreter.ts";
import {
  SequenceDefinition as Schema,
  type SequenceDefinition,
} from "../../../../domain/sequences/sequence-schema.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z"); // a Tuesday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const context: RunContext = { entryKey: "stage/mql", fallbackTimeZone: "UTC" };
const contact: ContactFacts = {
  stage: "mql",
  segment: "lead",
  score: 10,
  properties: { country: "IT" },
  timeZone: "Europe/Rome",
};

function define(partial: Record<string, unknown>): SequenceDefinition {
  return Schema.parse({
    key: "t",
    name: "test",
    category: "marketing",
    trigger: { type: "stage_entered", stage: "mql" },
    ...partial,
  });
}

const designExample = (): SequenceDefinition =>
  Schema.parse(
    JSON.parse(readFileSync(new URL("../../../fixtures/design-2a-example.json", import.meta.url), "utf8")),
  );

/** A run and a way to tell it facts; every send succeeds unless a test says otherwise. */
function run(definition: SequenceDefinition, who: ContactFacts = contact, at = T0) {
  let state: RunState = startRun(definition, context, who, at);
  const tell = (fact: Fact) => {
    state = advance(definition, context, state, fact);
    return nextAction(definition, state);
  };
  return {
    get state() {
      return state;
    },
    action: () => nextAction(definition, state),
    tell,
    sent: (stepId: string, at: number, messageId = `m-${stepId}`) =>
      tell({ kind: "send_outcome", at, stepId, outcome: { status: "sent", messageId } }),
    outcomes: () => state.journal.map((entry) => `${entry.stepId ?? entry.type}:${entry.outcome}`),
  };
}

describe("steps", () => {
  test("send_email asks for the send with its template, data and due moment, then moves on", () => {
    const r = run(define({ steps: [{ id: "a", type: "send_email", template: "welcome", data: { x: 1 } }] }));
    expect(r.action()).toMatchObject({
      kind: "send_email",
      stepId: "a",
      template: "welcome",
      data: { x: 1 },
      firstDueAt: T0,
      category: "marketing",
      attempt: 0,
    });
    expect(r.sent("a", T0)).toEqual({ kind: "done", status: "completed", reason: null });
    expect(r.outcomes()).toEqual(["a:sent", "run:completed"]);
  });

  test("a deferred send waits until the moment it was deferred to, then asks again with the first due moment", () => {
    const r = run(
      define({ steps: [{ id: "a", type: "send_email", template: "welcome", expireAfter: "1d" }] }),
    );
    const deferredTo = T0 + 11 * HOUR;
    expect(
      r.tell({
        kind: "send_outcome",
        at: T0,
        stepId: "a",
        outcome: { status: "deferred", until: deferredTo, reason: "quiet hours" },
      }),
    ).toMatchObject({ kind: "wait", until: deferredTo, awaiting: "deferred_send" });
    // The second ask is attempt 1: the sending rules record one decision per attempt.
    expect(r.tell({ kind: "time", at: deferredTo })).toMatchObject({
      kind: "send_email",
      firstDueAt: T0,
      expiry: "1d",
      attempt: 1,
    });
    r.tell({
      kind: "send_outcome",
      at: deferredTo,
      stepId: "a",
      outcome: { status: "expired", reason: "late" },
    });
    expect(r.outcomes()).toEqual(["a:deferred", "a:expired", "run:completed"]);
  });

  test("a hard bounce ends the run; a suppressed send moves on", () => {
    const definition = define({
      steps: [
        { id: "a", type: "send_email", template: "welcome" },
        { id: "b", type: "send_email", template: "welcome" },
      ],
    });
    const bounced = run(definition);
    expect(
      bounced.tell({ kind: "send_outcome", at: T0, stepId: "a", outcome: { status: "bounced" } }),
    ).toEqual({
      kind: "done",
      status: "exited",
      reason: "hard bounce",
    });
    const suppressed = run(definition);
    suppressed.tell({
      kind: "send_outcome",
      at: T0,
      stepId: "a",
      outcome: { status: "suppressed", reason: "no marketing consent" },
    });
    expect(suppressed.action()).toMatchObject({ kind: "send_email", stepId: "b" });
  });

  test("an outcome for another step, or a second one for a step, changes nothing: no step is sent twice", () => {
    const r = run(
      define({
        steps: [
          { id: "a", type: "send_email", template: "welcome" },
          { id: "w", type: "wait", duration: "1h" },
        ],
      }),
    );
    r.tell({ kind: "send_outcome", at: T0, stepId: "zzz", outcome: { status: "sent" } });
    expect(r.action()).toMatchObject({ kind: "send_email", stepId: "a" });
    r.sent("a", T0);
    r.sent("a", T0);
    expect(r.outcomes()).toEqual(["a:sent", "w:waiting"]);
  });

  test("wait lasts its duration; an earlier timer changes nothing", () => {
    const r = run(define({ steps: [{ id: "w", type: "wait", duration: "2h" }] }));
    expect(r.action()).toEqual({
      kind: "wait",
      stepId: "w",
      since: T0,
      until: T0 + 2 * HOUR,
      awaiting: "time",
    });
    expect(r.tell({ kind: "time", at: T0 + HOUR })).toMatchObject({ kind: "wait" });
    expect(r.tell({ kind: "time", at: T0 + 2 * HOUR })).toMatchObject({ kind: "done", status: "completed" });
  });

  test("wait_until is the next matching wall-clock time in the contact's zone, or in the fallback zone", () => {
    const step = { id: "m", type: "wait_until", time: "09:00", days: ["mon"] };
    // Tuesday 1 December 2026 → Monday 7 December, 09:00 in Rome (UTC+1).
    expect(run(define({ steps: [step] })).action()).toMatchObject({
      until: Date.parse("2026-12-07T08:00:00Z"),
    });
    expect(run(define({ steps: [step] }), { ...contact, timeZone: null }).action()).toMatchObject({
      until: Date.parse("2026-12-07T09:00:00Z"),
    });
  });

  test("wait_for_event takes then when the event comes, else on timeout", () => {
    const definition = define({
      steps: [
        {
          id: "w",
          type: "wait_for_event",
          event: { type: "form_submitted" },
          timeout: "1d",
          then: [{ id: "yes", type: "exit", reason: "came" }],
          else: [{ id: "no", type: "exit", reason: "did not" }],
        },
      ],
    });
    const came = run(definition);
    expect(
      came.tell({
        kind: "change",
        at: T0 + HOUR,
        change: { kind: "event", eventType: "form_submitted", properties: {}, occurredAt: "" },
      }),
    ).toEqual({ kind: "done", status: "exited", reason: "came" });
    const timedOut = run(definition);
    expect(timedOut.tell({ kind: "time", at: T0 + DAY })).toEqual({
      kind: "done",
      status: "exited",
      reason: "did not",
    });
    expect(timedOut.outcomes()).toEqual(["w:waiting", "w:else", "no:exited"]);
  });

  test("wait_for_event with a step counts only that email's event, recognised by its Message-ID", () => {
    const definition = define({
      steps: [
        { id: "mail", type: "send_email", template: "welcome" },
        {
          id: "w",
          type: "wait_for_event",
          event: { type: "email_clicked", step: "mail" },
          timeout: "1d",
          then: [{ id: "yes", type: "exit", reason: "clicked" }],
        },
      ],
    });
    const r = run(definition);
    r.sent("mail", T0, "<abc@x>");
    const click = (messageId: string) =>
      r.tell({
        kind: "change",
        at: T0 + HOUR,
        change: { kind: "event", eventType: "email_clicked", properties: { messageId }, occurredAt: "" },
      });
    expect(click("<other@x>")).toMatchObject({ kind: "wait" });
    expect(click("<abc@x>")).toEqual({ kind: "done", status: "exited", reason: "clicked" });
  });

  test("branch takes then or else by its condition and says why; the run continues after the branch", () => {
    const definition = define({
      steps: [
        {
          id: "b",
          type: "branch",
          if: { score: { gte: 50 } },
          then: [{ id: "hot", type: "send_email", template: "welcome" }],
          else: [{ id: "cold", type: "wait", duration: "1h" }],
        },
        { id: "after", type: "send_email", template: "welcome" },
      ],
    });
    const hot = run(definition, { ...contact, score: 62 });
    expect(hot.state.journal[0]).toMatchObject({ stepId: "b", outcome: "then", reason: "score 62 is ≥ 50" });
    hot.sent("hot", T0);
    expect(hot.action()).toMatchObject({ kind: "send_email", stepId: "after" });
    const cold = run(definition);
    expect(cold.state.journal[0]).toMatchObject({ outcome: "else", reason: "score 10 is not ≥ 50" });
    expect(cold.tell({ kind: "time", at: T0 + HOUR })).toMatchObject({ kind: "send_email", stepId: "after" });
  });

  test("update_contact asks for the change; the contact the driver reports is what later steps see", () => {
    const definition = define({
      steps: [
        { id: "u", type: "update_contact", set: { properties: { tier: "gold" } }, addScore: 5 },
        {
          id: "b",
          type: "branch",
          if: { property: { name: "tier", eq: "gold" } },
          then: [{ id: "x", type: "exit" }],
        },
      ],
    });
    const r = run(definition);
    expect(r.action()).toEqual({
      kind: "update_contact",
      stepId: "u",
      set: { properties: { tier: "gold" } },
      addScore: 5,
    });
    r.tell({
      kind: "contact_updated",
      at: T0,
      stepId: "u",
      contact: { ...contact, properties: { tier: "gold" } },
    });
    expect(r.outcomes()).toEqual(["u:updated", "b:then", "x:exited"]);
  });

  test("webhook asks for the POST with a reason; its outcome is recorded either way", () => {
    const r = run(
      define({ steps: [{ id: "h", type: "webhook", url: "https://crm.test/h", reason: "hot" }] }),
    );
    expect(r.action()).toEqual({ kind: "webhook", stepId: "h", url: "https://crm.test/h", reason: "hot" });
    r.tell({
      kind: "webhook_outcome",
      at: T0,
      stepId: "h",
      delivered: false,
      detail: "HTTP 500 after 5 attempts",
    });
    expect(r.state.journal[0]).toMatchObject({ outcome: "failed", reason: "HTTP 500 after 5 attempts" });
  });

  test("exit ends the run with its reason", () => {
    expect(run(define({ steps: [{ id: "x", type: "exit", reason: "bye" }] })).action()).toEqual({
      kind: "done",
      status: "exited",
      reason: "bye",
    });
  });
});

describe("conditions", () => {
  const branchOn = (condition: unknown, who: ContactFacts = contact) =>
    run(
      define({ steps: [{ id: "b", type: "branch", if: condition, then: [{ id: "x", type: "exit" }] }] }),
      who,
    ).state.journal[0]?.outcome;

  test.each([
    [{ stage: { in: ["mql", "sql"] } }, "then"],
    [{ stage: { in: ["lead"] } }, "else"],
    [{ segment: { in: ["lead"] } }, "then"],
    [{ segment: { in: ["lost"] } }, "else"],
    [{ score: { gte: 10, lte: 10 } }, "then"],
    [{ score: { lte: 9 } }, "else"],
    [{ property: { name: "country", eq: "IT" } }, "then"],
    [{ property: { name: "country", in: ["DE", "FR"] } }, "else"],
    [{ property: { name: "country", exists: true } }, "then"],
    [{ property: { name: "vat", exists: false } }, "then"],
    [{ property: { name: "vat", eq: "x" } }, "else"],
    [{ event: { type: "page_view" } }, "else"],
    [{ all: [{ stage: { in: ["mql"] } }, { score: { gte: 5 } }] }, "then"],
    [{ all: [{ stage: { in: ["mql"] } }, { score: { gte: 50 } }] }, "else"],
    [{ any: [{ stage: { in: ["sql"] } }, { score: { gte: 5 } }] }, "then"],
    [{ any: [{ stage: { in: ["sql"] } }, { score: { gte: 50 } }] }, "else"],
    [{ not: { segment: { in: ["lost"] } } }, "then"],
  ])("%j → %s", (condition, outcome) => {
    expect(branchOn(condition)).toBe(outcome);
  });

  test("event: seen, within a window, caused by an email step", () => {
    const definition = define({
      steps: [
        { id: "mail", type: "send_email", template: "welcome" },
        { id: "w", type: "wait", duration: "2d" },
        {
          id: "b",
          type: "branch",
          if: {
            all: [
              { event: { type: "page_view", within: "1d" } },
              { event: { type: "email_opened", step: "mail" } },
            ],
          },
        },
      ],
    });
    const event = (eventType: string, at: number, step?: string) => ({
      kind: "change" as const,
      at,
      step,
      change: { kind: "event" as const, eventType, properties: {}, occurredAt: "" },
    });
    const recent = run(definition);
    recent.sent("mail", T0);
    recent.tell(event("email_opened", T0 + HOUR, "mail"));
    recent.tell(event("page_view", T0 + 30 * HOUR));
    recent.tell({ kind: "time", at: T0 + 2 * DAY });
    expect(recent.state.journal.find((entry) => entry.stepId === "b")).toMatchObject({ outcome: "then" });
    const stale = run(definition);
    stale.sent("mail", T0);
    stale.tell(event("email_opened", T0 + HOUR, "mail"));
    stale.tell(event("page_view", T0 + 2 * HOUR));
    stale.tell({ kind: "time", at: T0 + 2 * DAY });
    expect(stale.state.journal.find((entry) => entry.stepId === "b")).toMatchObject({
      outcome: "else",
      reason: "no page_view within 1d",
    });
  });
});

describe("entry, goals and exits", () => {
  test("the entry condition is checked at start: a contact who fails it is skipped", () => {
    const r = run(designExample(), { ...contact, properties: { country: "US" } });
    expect(r.action()).toMatchObject({ kind: "done", status: "skipped" });
    expect(run(designExample()).action()).toMatchObject({ kind: "send_email", stepId: "guide" });
  });

  test("stage_reached means at or beyond: a jump straight past the goal stage ends the run mid-wait", () => {
    const definition = define({
      goals: [{ type: "stage_reached", stage: "sql" }],
      steps: [
        { id: "w", type: "wait", duration: "3d" },
        { id: "a", type: "send_email", template: "welcome" },
      ],
    });
    const r = run(definition);
    expect(
      r.tell({
        kind: "change",
        at: T0 + HOUR,
        change: { kind: "stage_changed", from: "mql", to: "opportunity", occurredAt: "" },
      }),
    ).toEqual({ kind: "done", status: "exited", reason: "goal: stage sql reached" });
    expect(run(definition, { ...contact, stage: "customer" }).action()).toMatchObject({
      kind: "done",
      reason: "goal: stage sql reached",
    });
  });

  test("a goal met by the run's own update_contact ends the run after that step", () => {
    const r = run(designExample());
    r.sent("guide", T0, "<g@x>");
    r.tell({
      kind: "change",
      at: T0 + HOUR,
      change: {
        kind: "event",
        eventType: "email_clicked",
        properties: { messageId: "<g@x>" },
        occurredAt: "",
      },
    });
    expect(r.action()).toMatchObject({ kind: "webhook", stepId: "tell-sales" });
    r.tell({
      kind: "webhook_outcome",
      at: T0 + HOUR,
      stepId: "tell-sales",
      delivered: true,
      detail: "HTTP 200",
    });
    expect(r.action()).toMatchObject({ kind: "update_contact", stepId: "hand-off", set: { stage: "sql" } });
    r.tell({
      kind: "contact_updated",
      at: T0 + HOUR,
      stepId: "hand-off",
      contact: { ...contact, stage: "sql" },
    });
    expect(r.action()).toEqual({ kind: "done", status: "exited", reason: "goal: stage sql reached" });
    expect(r.outcomes()).toEqual([
      "guide:sent",
      "wait-click:waiting",
      "wait-click:then",
      "tell-sales:delivered",
      "hand-off:updated",
      "goal:exited",
    ]);
  });

  test("segment and event goals; sameEntry counts only the run's own entry", () => {
    const definition = define({
      goals: [
        { type: "segment_entered", segment: "lost" },
        { type: "event", eventType: "order_placed", sameEntry: true },
      ],
      steps: [{ id: "w", type: "wait", duration: "1d" }],
    });
    const cartRun = (properties: Record<string, unknown>) => {
      const state = startRun(definition, { ...context, entryKey: "cartId/c-1" }, contact, T0);
      return advance(definition, { ...context, entryKey: "cartId/c-1" }, state, {
        kind: "change",
        at: T0,
        change: { kind: "event", eventType: "order_placed", properties, occurredAt: "" },
      }).exitReason;
    };
    expect(cartRun({ cartId: "c-1" })).toBe("goal: order_placed");
    expect(cartRun({ cartId: "c-2" })).toBeNull();
    const r = run(definition);
    expect(
      r.tell({
        kind: "change",
        at: T0,
        change: { kind: "segment_changed", from: "lead", to: "lost", occurredAt: "" },
      }),
    ).toMatchObject({ reason: "goal: segment lost entered" });
  });

  test("unsubscribing ends a marketing run, not a transactional one; cancel and archive end any run", () => {
    const steps = [{ id: "w", type: "wait", duration: "1d" }];
    const unsubscribed = {
      kind: "change" as const,
      at: T0,
      change: { kind: "unsubscribed" as const, occurredAt: "" },
    };
    expect(run(define({ steps })).tell(unsubscribed)).toMatchObject({ kind: "done", reason: "unsubscribed" });
    expect(run(define({ steps, category: "transactional" })).tell(unsubscribed)).toMatchObject({
      kind: "wait",
    });
    expect(run(define({ steps })).tell({ kind: "cancelled", at: T0, reason: "by api" })).toMatchObject({
      reason: "cancelled: by api",
    });
    expect(
      run(define({ steps })).tell({ kind: "sequence_status", at: T0, status: "archived" }),
    ).toMatchObject({
      reason: "sequence archived",
    });
  });

  test("a paused sequence holds a run before its send; resumed, it sends", () => {
    const r = run(define({ steps: [{ id: "a", type: "send_email", template: "welcome" }] }));
    expect(r.tell({ kind: "sequence_status", at: T0, status: "paused" })).toEqual({
      kind: "hold",
      stepId: "a",
    });
    expect(r.tell({ kind: "sequence_status", at: T0 + DAY, status: "active" })).toMatchObject({
      kind: "send_email",
      firstDueAt: T0,
    });
  });

  test("the state is plain JSON: a run carried across continue-as-new goes on the same way", () => {
    const r = run(designExample());
    r.sent("guide", T0, "<g@x>");
    const carried: RunState = JSON.parse(JSON.stringify(r.state));
    const definition = designExample();
    const next = advance(definition, context, carried, { kind: "time", at: T0 + 2 * DAY });
    expect(nextAction(definition, next)).toMatchObject({ kind: "wait", stepId: "morning" });
  });
});
