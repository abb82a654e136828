// A definition's nested step lists laid out as one flat program, so a run's position is a single
// number that survives continue-as-new and reads the same in both drivers. A branching step jumps to
// its `then` or `else` block; each block ends with a jump to the step after the branching step.
import type { SequenceDefinition, SequenceStep } from "./sequence-schema.ts";

export type Instruction =
  | { op: "step"; step: SequenceStep; thenAt?: number; elseAt?: number }
  | { op: "jump"; to: number };

function layOut(steps: readonly SequenceStep[], program: Instruction[]): void {
  for (const step of steps) {
    if (step.type !== "branch" && step.type !== "wait_for_event") {
      program.push({ op: "step", step });
      continue;
    }
    const instruction: Instruction = { op: "step", step };
    program.push(instruction);
    instruction.thenAt = program.length;
    layOut(step.then ?? [], program);
    const endOfThen: Instruction = { op: "jump", to: -1 };
    program.push(endOfThen);
    instruction.elseAt = program.length;
    layOut(step.else ?? [], program);
    endOfThen.to = program.length;
  }
}

const compiled = new WeakMap<SequenceDefinition, Instruction[]>();

/** The program of a definition, laid out once per definition object. */
export function programOf(definition: SequenceDefinition): Instruction[] {
  let program = compiled.get(definition);
  if (!program) {
    program = [];
    layOut(definition.steps, program);
    compiled.set(definition, program);
  }
  return program;
}
