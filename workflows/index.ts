// Entry point of the workflow bundle: every workflow type the worker registers.
export { sequenceWorkflow } from "./sequence-workflow.ts";
export { segmentSweepWorkflow } from "./segment-sweep-workflow.ts";
