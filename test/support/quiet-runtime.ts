// The Temporal SDK logs every worker state change at INFO; tests keep its warnings and errors only.
import { DefaultLogger, Runtime } from "@temporalio/worker";

let installed = false;

export function quietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger("WARN") });
}
