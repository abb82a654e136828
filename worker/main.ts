// `npm run worker`: one worker process. Seeds the built-in programs, then runs until SIGTERM/SIGINT,
// finishing in-flight tasks before it exits.
import pino from "pino";
import { seedBuiltInSequences } from "../activities/sequences/built-in-seeding.ts";
import { exitUnlessReadyForProduction } from "../api/auth/production-readiness.ts";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { routeTemporalLogsTo } from "./temporal-logging.ts";
import { startWorkerRuntime } from "./worker-runtime.ts";

const config = parseConfig(process.env);
const logger = pino({ level: config.logLevel, name: "worker" });
routeTemporalLogsTo(logger);
const store = openContactStore(config.databaseUrl);
await exitUnlessReadyForProduction(config, store, logger);

const seeded = await seedBuiltInSequences(store);
if (seeded.created.length + seeded.upgraded.length > 0) logger.info(seeded, "built-in sequences seeded");

const runtime = await startWorkerRuntime({ config, store, logger });
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight tasks");
    runtime
      .shutdown()
      .then(() => store.$disconnect())
      .then(() => process.exit(0))
      .catch((error) => {
        logger.error({ err: String(error) }, "shutdown failed");
        process.exit(1);
      });
  });
}
await runtime.done;
