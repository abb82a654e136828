// `npm run build`: the production build the container runs. Compiles the TypeScript to dist/,
// bundles the workflow code once (the worker then skips bundling at start) and copies the templates.

import { spawnSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PREBUILT_WORKFLOW_BUNDLE, writeWorkflowBundle } from "../worker/workflow-bundle.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}dist`;

rmSync(dist, { recursive: true, force: true });
const compiled = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
console.log("compiled TypeScript to dist/");

const bundlePath = fileURLToPath(
  new URL(PREBUILT_WORKFLOW_BUNDLE, new URL("../dist/worker/", import.meta.url)),
);
await writeWorkflowBundle(bundlePath);
console.log(`workflow bundle written to ${bundlePath.slice(root.length)}`);

cpSync(`${root}templates`, `${dist}/templates`, { recursive: true });
console.log("templates copied to dist/templates");
cpSync(`${root}api/dashboard/dashboard.html`, `${dist}/api/dashboard/dashboard.html`);
// The browser tracker is a plain script served as it is (GET /nf.js): tsc does not copy it.
cpSync(`${root}api/tracker`, `${dist}/api/tracker`, { recursive: true });
