// The container's HEALTHCHECK: asks the API's own /healthz (the image has no curl). A `degraded`
// answer is still healthy: the API serves; what is degraded shows in the body and in /metrics.
import { loadConfig } from "../scripts/config/load-config.ts";

const { port } = loadConfig("healthcheck");
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
