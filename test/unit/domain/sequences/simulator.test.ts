import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { SendingRules } from "../../../../domain/sending/sending-rules.ts";
import { SequenceDefinition, type SequenceStep } from "../../../../domain/sequences/sequence-schema.ts";
import {
  type SimulationInput,
  simulate,
  type TimelineEntry,
} from "../../../../domain/sequences/simulator.ts";

const T0 = Date.parse("2026-12-01T10:00:00Z"); // a Tuesday, 11:00 in Rome
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const noRules: SendingRules = { frequencyCaps: [], quietHours: null, defaultTimeZone: "UTC" };
const rules = { sending: noRules, subjectOf: (template: string) => `Subject of ${template}` };
const example = SequenceDefinition.parse(
  JSON.parse(readFileSync(new URL("../../../fixtures/design-2a-example.json", import.meta.url), "utf8")),
);
const mql = {
  stage: "mql" as const,
  segment: "lead",
  score: 10,
  properties: { country: "IT" },
  timeZone: "Europe/Rome",
};

function input(timeline: TimelineEntry[], contact = mql, horizonMs = 90 * DAY): SimulationInput {
  return { contact, start: T0, timeline, horizonMs };
}

describe("simulating the DESIGN §2a example", () => {
  test("a contact who clicks the guide is handed to sales and the goal ends the run", () => {
    const result = simulate(
      example,
      input([{ at: T0 + 5 * HOUR, event: { type: "email_clicked", step: "guide" } }]),
      rules,
    );
    expect(result.steps.map((step) => [step.at, step.stepId ?? step.type, step.outcome])).toEqual([
      ["2026-12-01T10:00:00.000Z", "guide", "sent"],
      ["2026-12-01T10:00:00.000Z", "wait-click", "waiting"],
      ["2026-12-01T15:00:00.000Z", "wait-click", "then"],
      ["2026-12-01T15:00:00.000Z", "tell-sales", "delivered"],
      ["2026-12-01T15:00:00.000Z", "hand-off", "updated"],
      ["2026-12-01T15:00:00.000Z", "goal", "exited"],
    ]);
    expect(result.steps[0]).toMatchObject({ template: "nurture-mql", subject: "Subject of nurture-mql" });
    expect(result.ending).toEqual({
      status: "exited",
      reason: "goal: stage sql reached",
      at: "2026-12-01T15:00:00.000Z",
    });
  });

  test("a contact who does not click gets the reminder on the next weekday morning and exits unengaged", () => {
    const result = simulate(example, input([]), rules);
    expect(
      result.steps.map((step) => [step.at, step.stepId ?? step.type, step.outcome, step.reason]),
    ).toEqual([
      ["2026-12-01T10:00:00.000Z", "guide", "sent", undefined],
      ["2026-12-01T10:00:00.000Z", "wait-click", "waiting", undefined],
      ["2026-12-03T10:00:00.000Z", "wait-click", "else", "timed out after 2d"],
      ["2026-12-03T10:00:00.000Z", "morning", "waiting", undefined],
      // 09:00 in Rome on Friday 4 December.
      ["2026-12-04T08:00:00.000Z", "reminder", "sent", undefined],
      ["2026-12-04T08:00:00.000Z", "hot", "else", "score 10 is not ≥ 50"],
      ["2026-12-04T08:00:00.000Z", "give-up", "exited", "not engaged"],
    ]);
    expect(result.ending).toMatchObject({ status: "exited", reason: "not engaged" });
  });

  test("quiet hours defer a send to their end, with the reason; a contact outside the entry condition is skipped", () => {
    const quiet: SendingRules = { ...noRules, quietHours: { start: "09:00", end: "12:00" } };
    const deferred = simulate(example, input([]), { ...rules, sending: quiet });
    expect(deferred.steps[0]).toMatchObject({
      stepId: "guide",
      outcome: "deferred",
      until: "2026-12-01T11:00:00.000Z",
      reason: expect.stringContaining("quiet hours"),
    });
    expect(deferred.steps[1]).toMatchObject({
      stepId: "guide",
      outcome: "sent",
      at: "2026-12-01T11:00:00.000Z",
    });
    const skipped = simulate(example, input([], { ...mql, properties: { country: "US" } }), rules);
    expect(skipped.ending).toMatchObject({ status: "skipped" });
  });

  test("a stage change on the timeline reaches the goal mid-wait, before the reminder", () => {
    const result = simulate(example, input([{ at: T0 + DAY, stage: "opportunity" }]), rules);
    expect(result.steps.filter((step) => step.outcome === "sent").map((step) => step.stepId)).toEqual([
      "guide",
    ]);
    expect(result.ending).toEqual({
      status: "exited",
      reason: "goal: stage sql reached",
      at: "2026-12-02T10:00:00.000Z",
    });
  });

  test("a run still waiting at the horizon says so", () => {
    const long = SequenceDefinition.parse({
      ...example,
      goals: [],
      entry: {},
      steps: [{ id: "w", type: "wait", duration: "100d" }],
    });
    expect(simulate(long, input([]), rules).ending).toEqual({
      status: "running",
      reason: "still running at the horizon",
      at: new Date(T0 + 90 * DAY).toISOString(),
    });
  });
});

// Generated definitions: step lists with every step type, nested branches, and ids unique by position.
function stepsArbitrary(depth: number, prefix: string): fc.Arbitrary<SequenceStep[]> {
  const duration = fc.constantFrom("10s", "30m", "2h", "1d", "3d", "1w");
  const condition = fc.constantFrom(
    { score: { gte: 20 } },
    { stage: { in: ["mql"] } },
    { segment: { in: ["lost"] } },
    { property: { name: "country", eq: "IT" } },
    { event: { type: "page_view", within: "1d" } },
    { not: { any: [{ score: { lte: 5 } }, { event: { type: "email_opened" } }] } },
  );
  const leaf = fc.oneof(
    fc.record({ type: fc.constant("send_email"), template: fc.constant("welcome") }),
    fc.record({ type: fc.constant("wait"), duration }),
    fc.record({
      type: fc.constant("wait_until"),
      time: fc.constantFrom("00:00", "09:30", "23:59"),
      days: fc.constantFrom(undefined, ["sat", "sun"], ["mon"]),
    }),
    fc.record({ type: fc.constant("update_contact"), addScore: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ type: fc.constant("webhook"), url: fc.constant("https://crm.test/h") }),
  );
  const branching =
    depth <= 0
      ? leaf
      : fc.oneof(
          leaf,
          fc.record({
            type: fc.constant("branch"),
            if: condition,
            then: stepsArbitrary(depth - 1, `${prefix}t`),
            else: stepsArbitrary(depth - 1, `${prefix}e`),
          }),
          fc.record({
            type: fc.constant("wait_for_event"),
            event: fc.constantFrom({ type: "email_clicked" }, { type: "page_view" }),
            timeout: duration,
            then: stepsArbitrary(depth - 1, `${prefix}t`),
            else: stepsArbitrary(depth - 1, `${prefix}e`),
          }),
        );
  return fc
    .tuple(fc.array(branching, { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([steps, endsWithExit]) => {
      const all = endsWithExit ? [...steps, { type: "exit", reason: "end" }] : steps;
      return all.map((step, index) => ({ ...step, id: `${prefix}${index}` }) as SequenceStep);
    });
}

const timelineArbitrary = fc.array(
  fc.oneof(
    fc.record({
      at: fc.integer({ min: 0, max: 100 * DAY }),
      event: fc.record({ type: fc.constantFrom("email_clicked", "page_view", "email_opened") }),
    }),
    fc.record({
      at: fc.integer({ min: 0, max: 100 * DAY }),
      stage: fc.constantFrom("lead", "sql", "customer"),
    }),
    fc.record({ at: fc.integer({ min: 0, max: 100 * DAY }), segment: fc.constantFrom("lost", "lead") }),
  ),
  { maxLength: 12 },
);

describe("property: for any definition and timeline", () => {
  test("the simulation never throws, ends within the horizon and never sends one step twice", () => {
    fc.assert(
      fc.property(
        stepsArbitrary(2, "s"),
        timelineArbitrary,
        fc.constantFrom<SendingRules>(noRules, {
          frequencyCaps: [{ limit: 1, window: "1d" }],
          quietHours: { start: "21:00", end: "08:00" },
          defaultTimeZone: "America/New_York",
        }),
        fc.integer({ min: 1, max: 90 }),
        (steps, timeline, sending, horizonDays) => {
          const definition = SequenceDefinition.parse({
            key: "generated",
            name: "generated",
            category: "marketing",
            trigger: { type: "stage_entered", stage: "mql" },
            goals: [{ type: "stage_reached", stage: "customer" }],
            steps,
          });
          const horizon = T0 + horizonDays * DAY;
          const result = simulate(
            definition,
            {
              contact: { ...mql, timeZone: null },
              start: T0,
              timeline: timeline.map((entry) => ({ ...entry, at: T0 + entry.at }) as TimelineEntry),
              horizonMs: horizonDays * DAY,
            },
            { ...rules, sending },
          );
          expect(Date.parse(result.ending.at)).toBeLessThanOrEqual(horizon);
          for (const step of result.steps) expect(Date.parse(step.at)).toBeLessThanOrEqual(horizon);
          const sent = result.steps.filter((step) => step.outcome === "sent").map((step) => step.stepId);
          expect(new Set(sent).size).toBe(sent.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
