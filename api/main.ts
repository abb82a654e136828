// `npm run api`: the HTTP API on PORT (default 3000).
import pino from "pino";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { createApp } from "./app.ts";
import { exitUnlessReadyForProduction } from "./auth/production-readiness.ts";

const config = parseConfig(process.env);
const logger = pino({ level: config.logLevel, name: "api" });
const store = openContactStore(config.databaseUrl);
await exitUnlessReadyForProduction(config, store, logger);
const server = createApp({ config, store, logger }).listen(config.port, () => {
  logger.info({ port: config.port }, "API listening");
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close(() => {
      store.$disconnect().finally(() => process.exit(0));
    });
  });
}
