// `npm run worker`: one worker process. Seeds the built-in programs, then runs until SIGTERM/SIGINT,
// finishing in-flight tasks before it exits. A signal during start-up stops it as soon as it is up.
import pino from "pino";
import { seedBuiltInSequences } from "../activities/sequences/built-in-seeding.ts";
import { exitUnlessReadyForProduction } from "../api/auth/production-readiness.ts";
import { openContactStore } from "../prisma/client.ts";
import { loadConfig } from "../scripts/config/load-config.ts";
import { announceReady } from "../scripts/dev-stack/supervised-process.ts";
import { errorChain, errorSummary } from "./temporal-errors.ts";
import { routeTemporalLogsTo } from "./temporal-logging.ts";
import { startWorkerRuntime, type WorkerRuntime } from "./worker-runtime.ts";

const config = loadConfig("worker");
const logger = pino({ level: config.logLevel, name: "worker" });
routeTemporalLogsTo(logger);
const store = openContactStore(config.databaseUrl);
await exitUnlessReadyForProduction(config, store, logger);

let runtime: WorkerRuntime | null = null;
let stopSignal: NodeJS.Signals | null = null;
function shutdown(active: WorkerRuntime): void {
  logger.info({ signal: stopSignal }, "shutting down: finishing in-flight tasks");
  active
    .shutdown()
    .then(() => store.$disconnect())
    .then(() => process.exit(0))
    .catch((error) => {
      logger.error({ err: errorChain(error) }, `shutdown failed: ${errorSummary(error)}`);
      process.exit(1);
    });
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopSignal) return;
    stopSignal = signal;
    if (runtime) shutdown(runtime);
    else logger.info({ signal }, "stop requested during start-up");
  });
}

const seeded = await seedBuiltInSequences(store);
if (seeded.created.length + seeded.upgraded.length > 0) logger.info(seeded, "built-in sequences seeded");

const workflowBundle = config.workflowBundlePath ? { codePath: config.workflowBundlePath } : undefined;
runtime = await startWorkerRuntime({ config, store, logger, workflowBundle }).catch(
  async (error: unknown) => {
    // One clear line (the search-attribute check says what to register), then a non-zero exit.
    logger.fatal({ err: errorChain(error) }, `worker cannot start: ${errorSummary(error)}`);
    await store.$disconnect();
    process.exit(1);
  },
);
announceReady();
if (stopSignal) shutdown(runtime);
await runtime.done;
