import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { BUILT_IN_SEQUENCES } from "../../../../domain/sequences/built-in-sequences.ts";
import { checkDefinition, type DefinitionFault } from "../../../../domain/sequences/definition-check.ts";

// DESIGN.md §2a, byte for byte: the public contract of the language.
const DESIGN_EXAMPLE = readFileSync(
  new URL("../../../fixtures/design-2a-example.json", import.meta.url),
  "utf8",
);
const TEMPLATES = new Set(["nurture-mql", "welcome"]);
const lookups = { templateExists: (key: string) => TEMPLATES.has(key) };

function example(): any {
  return JSON.parse(DESIGN_EXAMPLE);
}

function faultsOf(definition: unknown): DefinitionFault[] {
  const result = checkDefinition(definition, lookups);
  if (result.ok) throw new Error("expected the definition to be refused");
  return result.faults;
}

describe("the DESIGN §2a example", () => {
  test("is accepted exactly as written", () => {
    const result = checkDefinition(JSON.parse(DESIGN_EXAMPLE), lookups);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.definition.key).toBe("mql-guides");
    expect(result.definition.entry.reEntry).toEqual({ mode: "cooldown", cooldown: "30d" });
    expect(result.definition.steps.map((step) => step.id)).toEqual(["guide", "wait-click"]);
  });

  test("every built-in sequence is a valid v1 definition", () => {
    const all = { templateExists: () => true };
    for (const definition of Object.values(BUILT_IN_SEQUENCES)) {
      expect(checkDefinition(definition, all)).toMatchObject({ ok: true });
    }
  });
});

describe("faults are named by their JSON path", () => {
  test("a bad duration", () => {
    const definition = example();
    definition.steps[1].timeout = "2 days";
    expect(faultsOf(definition)).toEqual([
      { path: "steps.1.timeout", message: expect.stringContaining("duration") },
    ]);
  });

  test("a bad time of day deep in an else branch", () => {
    const definition = example();
    definition.steps[1].else[0].time = "9am";
    expect(faultsOf(definition)).toEqual([{ path: "steps.1.else.0.time", message: expect.any(String) }]);
  });

  test("an unknown template", () => {
    const definition = example();
    definition.steps[1].else[1].template = "no-such-template";
    expect(faultsOf(definition)).toEqual([
      { path: "steps.1.else.1.template", message: 'no template "no-such-template"' },
    ]);
  });

  test("an unknown stage in a goal, a step and a trigger", () => {
    const definition = example();
    definition.goals[0].stage = "won";
    definition.steps[1].then[1].set.stage = "closed";
    definition.trigger.stage = "hot";
    expect(faultsOf(definition).map((fault) => fault.path)).toEqual([
      "trigger.stage",
      "goals.0.stage",
      "steps.1.then.1.set.stage",
    ]);
  });

  test("an unknown segment in a condition", () => {
    const definition = example();
    definition.entry.if.all[1].not.segment.in = ["vip"];
    expect(faultsOf(definition).map((fault) => fault.path)).toEqual(["entry.if.all.1.not.segment.in.0"]);
  });

  test("a duplicate step id, named where it is used the second time", () => {
    const definition = example();
    definition.steps[1].else[2].then[0].id = "hand-off";
    expect(faultsOf(definition)).toEqual([
      { path: "steps.1.else.2.then.0.id", message: 'step id "hand-off" is used twice' },
    ]);
  });

  test("a step after exit is unreachable", () => {
    const definition = example();
    definition.steps[1].else[2].else.push({ id: "too-late", type: "wait", duration: "1d" });
    expect(faultsOf(definition)).toEqual([
      { path: "steps.1.else.2.else.1", message: "unreachable: it follows an exit step" },
    ]);
  });

  test("then or else on a step that does not branch", () => {
    const definition = example();
    definition.steps[0].then = [{ id: "x", type: "exit" }];
    expect(faultsOf(definition)).toEqual([
      { path: "steps.0.then", message: '"then" belongs to a branching step (wait_for_event or branch)' },
    ]);
  });

  test("an unknown step type and an unknown field", () => {
    const definition = example();
    definition.steps[0].type = "send_sms";
    definition.steps[1].tiemout = "2d";
    const paths = faultsOf(definition).map((fault) => fault.path);
    expect(paths).toContain("steps.0.type");
    expect(paths).toContain("steps.1.tiemout");
  });

  test("an event step that names no earlier email step", () => {
    const definition = example();
    definition.steps[1].event.step = "reminder";
    expect(faultsOf(definition)).toEqual([
      { path: "steps.1.event.step", message: 'no send_email step "reminder" runs before this' },
    ]);
  });

  test("a condition of an unknown kind, a score without bounds, a property with two tests", () => {
    const definition = example();
    definition.steps[1].else[2].if = {
      all: [{ score: {} }, { property: { name: "x", eq: 1, exists: true } }, { colour: "red" }, {}],
    };
    expect(faultsOf(definition)).toEqual([
      { path: "steps.1.else.2.if.all.0.score", message: "gte, lte or both" },
      { path: "steps.1.else.2.if.all.1.property", message: "exactly one of eq, in, exists" },
      { path: "steps.1.else.2.if.all.2.colour", message: 'unknown field "colour"' },
      { path: "steps.1.else.2.if.all.2", message: expect.stringContaining("exactly one of stage, segment") },
      { path: "steps.1.else.2.if.all.3", message: expect.stringContaining("exactly one of stage, segment") },
    ]);
  });

  test("a cooldown without its duration, no steps at all, a webhook without a URL", () => {
    const definition = example();
    definition.entry.reEntry = { mode: "cooldown" };
    definition.steps[1].then[0].url = "not a url";
    expect(faultsOf(definition).map((fault) => fault.path)).toEqual([
      "entry.reEntry.cooldown",
      "steps.1.then.0.url",
    ]);
    expect(faultsOf({ ...example(), steps: [] }).map((fault) => fault.path)).toEqual(["steps"]);
  });
});
