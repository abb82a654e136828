// Workflow code is bundled once per process (or once per test run, then shared by path).
import { fileURLToPath } from "node:url";
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from "@temporalio/worker";

export const WORKFLOWS_ENTRY = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  // The Runtime's logger, so the bundler's report follows the process's logging (JSON in the worker).
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: Runtime.instance().logger });
}
