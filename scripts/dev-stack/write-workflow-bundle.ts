// `npm run dev` bundles the workflow code in this short-lived process and hands the file to the
// worker (WORKFLOW_BUNDLE_PATH): webpack's memory goes when this exits instead of staying in the
// worker's heap for the life of the stack (about 100 MiB, BENCHMARKS.md "npm run dev memory").
import { writeWorkflowBundle } from "../../worker/workflow-bundle.ts";

const [path] = process.argv.slice(2);
if (!path) throw new Error("usage: write-workflow-bundle.ts <bundle file>");
await writeWorkflowBundle(path);
