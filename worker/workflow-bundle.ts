// Workflow code is bundled once per process (or once per test run, then shared by path). The
// production build (`npm run build`) writes the bundle beside the compiled worker, so a container
// starts without bundling.
import { existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from "@temporalio/worker";

export const WORKFLOWS_ENTRY = fileURLToPath(new URL("../workflows/index.ts", import.meta.url));
/** Relative to the worker's own folder: dist/worker/workflows.bundle.js in the build. */
export const PREBUILT_WORKFLOW_BUNDLE = "./workflows.bundle.js";

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  // The Runtime's logger, so the bundler's report follows the process's logging (JSON in the worker).
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: Runtime.instance().logger });
}

/** Bundles the workflow code into a file a worker loads by path (the build's, or `npm run dev`'s). */
export async function writeWorkflowBundle(path: string): Promise<void> {
  writeFileSync(path, (await bundleWorkflows()).code);
}

/** The prebuilt bundle of a production build, or a fresh bundle of the sources. */
export async function loadWorkflowBundle(): Promise<{ codePath: string } | WorkflowBundleWithSourceMap> {
  const prebuilt = fileURLToPath(new URL(PREBUILT_WORKFLOW_BUNDLE, import.meta.url));
  return existsSync(prebuilt) ? { codePath: prebuilt } : bundleWorkflows();
}
