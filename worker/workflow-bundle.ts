// Workflow code is bundled once per process (or once per test run, then shared by path).
import { fileURLToPath } from "node:url";
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from "@temporalio/worker";

export const WORKFLOWS_ENTRY = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY });
}
