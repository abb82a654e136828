// The Temporal SDK (worker, bundler, core) logs through its Runtime logger; routing it into pino gives
// a worker process one JSON log stream, at the configured level.
import { DefaultLogger, type LogLevel, Runtime } from "@temporalio/worker";
import type { Logger } from "pino";

const PINO_LEVEL: Record<LogLevel, "trace" | "debug" | "info" | "warn" | "error"> = {
  TRACE: "trace",
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
};

export function routeTemporalLogsTo(logger: Logger): void {
  const sdkLogger = logger.child({ component: "temporal-sdk" });
  const level = (Object.entries(PINO_LEVEL).find(([, pinoLevel]) => pinoLevel === logger.level)?.[0] ??
    "INFO") as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) =>
      sdkLogger[PINO_LEVEL[entry.level]](entry.meta ?? {}, entry.message),
    ),
  });
}
