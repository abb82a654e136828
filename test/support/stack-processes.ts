// Finds the processes a test started, whatever they started in turn: every one of them inherits a
// marker in its environment, which /proc shows for the processes of the same user.
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

export function processesWithMarker(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environment = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      // A zombie has an empty environment: it holds nothing and is gone once its parent reaps it.
      if (environment.includes(needle)) found.push(Number(entry));
    } catch {
      // gone, or another user's
    }
  }
  return found;
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}
