// Validation of a sequence definition before it is saved: its shape (the zod schema), then what needs
// the whole definition: unique step ids (they key the send ledger), known templates, references to
// earlier email steps, nothing after an `exit`. Each fault is named by its JSON path.
import type { z } from "zod";
import { type Condition, SequenceDefinition, type SequenceStep } from "./sequence-schema.ts";

export interface DefinitionFault {
  /** Dotted JSON path, e.g. `steps.1.else.0.time`. */
  path: string;
  message: string;
}

export interface DefinitionLookups {
  /** Whether a template key names a built-in or published template. */
  templateExists(key: string): boolean;
}

export type DefinitionCheck =
  | { ok: true; definition: SequenceDefinition }
  | { ok: false; faults: DefinitionFault[] };

const BRANCHING = "a branching step (wait_for_event or branch)";

/** Zod names an unknown key on the object holding it; a marketer wants the key's own path. */
function shapeFaults(error: z.ZodError): DefinitionFault[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...at, key].join("."),
        message:
          key === "then" || key === "else" ? `"${key}" belongs to ${BRANCHING}` : `unknown field "${key}"`,
      }));
    }
    return [{ path: at.join(".") || "(body)", message: issue.message }];
  });
}

function conditionFaults(
  condition: Condition,
  path: string,
  emailSteps: ReadonlySet<string>,
): DefinitionFault[] {
  const { all, any, not, event } = condition;
  if (all) return all.flatMap((c, i) => conditionFaults(c, `${path}.all.${i}`, emailSteps));
  if (any) return any.flatMap((c, i) => conditionFaults(c, `${path}.any.${i}`, emailSteps));
  if (not) return conditionFaults(not, `${path}.not`, emailSteps);
  if (event?.step !== undefined && !emailSteps.has(event.step)) {
    return [{ path: `${path}.event.step`, message: `no send_email step "${event.step}" runs before this` }];
  }
  return [];
}

interface Walk {
  seenIds: Set<string>;
  faults: DefinitionFault[];
  lookups: DefinitionLookups;
}

/** Walks a step list in run order; `emailSteps` holds the email steps that certainly ran before. */
function checkSteps(steps: readonly SequenceStep[], path: string, emailSteps: Set<string>, walk: Walk): void {
  for (const [index, step] of steps.entries()) {
    const at = `${path}.${index}`;
    if (walk.seenIds.has(step.id)) {
      walk.faults.push({ path: `${at}.id`, message: `step id "${step.id}" is used twice` });
    }
    walk.seenIds.add(step.id);
    if (index > 0 && steps[index - 1]?.type === "exit") {
      walk.faults.push({ path: at, message: "unreachable: it follows an exit step" });
    }
    switch (step.type) {
      case "send_email":
        if (!walk.lookups.templateExists(step.template)) {
          walk.faults.push({ path: `${at}.template`, message: `no template "${step.template}"` });
        }
        emailSteps.add(step.id);
        break;
      case "wait_for_event":
        if (step.event.step !== undefined && !emailSteps.has(step.event.step)) {
          walk.faults.push({
            path: `${at}.event.step`,
            message: `no send_email step "${step.event.step}" runs before this`,
          });
        }
        checkBranches(step, at, emailSteps, walk);
        break;
      case "branch":
        walk.faults.push(...conditionFaults(step.if, `${at}.if`, emailSteps));
        checkBranches(step, at, emailSteps, walk);
        break;
      default:
        break;
    }
  }
}

function checkBranches(
  step: { then?: SequenceStep[]; else?: SequenceStep[] },
  at: string,
  emailSteps: Set<string>,
  walk: Walk,
): void {
  // Either branch may run, so only emails sent before the branching step count after it.
  const before = new Set(emailSteps);
  if (step.then) checkSteps(step.then, `${at}.then`, new Set(before), walk);
  if (step.else) checkSteps(step.else, `${at}.else`, new Set(before), walk);
}

export function checkDefinition(input: unknown, lookups: DefinitionLookups): DefinitionCheck {
  const parsed = SequenceDefinition.safeParse(input);
  if (!parsed.success) return { ok: false, faults: shapeFaults(parsed.error) };
  const definition = parsed.data;
  const walk: Walk = { seenIds: new Set(), faults: [], lookups };
  if (definition.entry.if) walk.faults.push(...conditionFaults(definition.entry.if, "entry.if", new Set()));
  checkSteps(definition.steps, "steps", new Set(), walk);
  return walk.faults.length > 0 ? { ok: false, faults: walk.faults } : { ok: true, definition };
}
