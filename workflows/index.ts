// Entry point of the workflow bundle: every workflow type the worker registers.

export { segmentSweepWorkflow } from "./segment-sweep-workflow.ts";
export { sequenceRunWorkflow } from "./sequence-run-workflow.ts";
// Kept for runs started before the v1 language; they finish on it (see sequence-workflow.ts).
export { sequenceWorkflow } from "./sequence-workflow.ts";
