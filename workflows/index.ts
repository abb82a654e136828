// Entry point of the workflow bundle: every workflow type the worker registers.

export { segmentSweepWorkflow } from "./segment-sweep-workflow.ts";
export { sequenceWorkflow } from "./sequence-workflow.ts";
