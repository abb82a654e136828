import { BUILT_IN_SEQUENCES } from "../../domain/sequences/built-in-sequences.ts";
import type { SequenceDefinition } from "../../domain/sequences/definition.ts";

export function builtIn(key: string): SequenceDefinition {
  const definition = BUILT_IN_SEQUENCES[key];
  if (!definition) throw new Error(`no built-in sequence ${key}`);
  return definition;
}
