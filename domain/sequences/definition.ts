// A published sequence version as the rest of the system passes it around: JSON in the store,
// workflow input in Temporal. The language itself is sequence-schema.ts (types only here, so
// workflow code can use them without loading zod).
import type { SequenceDefinition } from "./sequence-schema.ts";

export type {
  Condition,
  ReEntryPolicy,
  SequenceDefinition,
  SequenceGoal,
  SequenceStep,
  SequenceTrigger,
} from "./sequence-schema.ts";

export type SequenceCategory = SequenceDefinition["category"];

/** A published, immutable version of a sequence. */
export interface SequenceVersionRef {
  key: string;
  version: number;
  definition: SequenceDefinition;
}
