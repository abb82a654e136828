// A worker in its own process, for tests that kill it (SIGKILL) at a chosen moment. Configured by the
// environment like `npm run worker`, but with the test run's shared workflow bundle
// (WORKFLOW_BUNDLE_PATH); prints "worker ready" once it polls its task queues.
import pino from "pino";
import { parseConfig } from "../../domain/config.ts";
import { openContactStore } from "../../prisma/client.ts";
import { startWorkerRuntime } from "../../worker/worker-runtime.ts";
import { quietTemporalRuntime } from "./quiet-runtime.ts";

const codePath = process.env.WORKFLOW_BUNDLE_PATH;
if (!codePath) throw new Error("WORKFLOW_BUNDLE_PATH is required");
quietTemporalRuntime();
const config = parseConfig(process.env);
const store = openContactStore(config.databaseUrl);
const runtime = await startWorkerRuntime({
  config,
  store,
  logger: pino({ level: config.logLevel }),
  workflowBundle: { codePath },
});
process.stdout.write("worker ready\n");
await runtime.done;
