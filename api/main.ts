// `npm run api`: the HTTP API on PORT (default 3000). On SIGTERM or SIGINT it stops accepting
// connections, lets the requests in flight finish (cut after API_SHUTDOWN_GRACE_MS), then exits.
import pino from "pino";
import { openContactStore } from "../prisma/client.ts";
import { loadConfig } from "../scripts/config/load-config.ts";
import { announceReady } from "../scripts/dev-stack/supervised-process.ts";
import { lazyTemporalClient } from "../worker/temporal-client.ts";
import { createApp } from "./app.ts";
import { exitUnlessReadyForProduction } from "./auth/production-readiness.ts";

const SHUTDOWN_GRACE_MS = 10_000;

const config = loadConfig("api");
const logger = pino({ level: config.logLevel, name: "api" });
const store = openContactStore(config.databaseUrl);
await exitUnlessReadyForProduction(config, store, logger);
// Connected on first use (the API starts while Temporal is down), closed on shutdown.
const temporal = lazyTemporalClient(config);
const app = createApp({ config, store, logger, temporal: temporal.get });
const listening = () => {
  logger.info({ port: config.port }, "API listening");
  announceReady();
};
// HOST (the dev stack sets 127.0.0.1) narrows the interfaces; unset, every interface is served.
const server = config.host
  ? app.listen(config.port, config.host, listening)
  : app.listen(config.port, listening);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing requests in flight");
    // close() stops accepting and closes idle keep-alive connections; busy ones close after their answer.
    server.close((error) => {
      void Promise.allSettled([temporal.close(), store.$disconnect()]).finally(() => {
        logger.info("API stopped");
        process.exit(error ? 1 : 0);
      });
    });
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
}
