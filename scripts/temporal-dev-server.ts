// Starts the Temporal CLI's dev server (server + Web UI) and registers Nurtureflow's search attributes.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { promisify } from "node:util";
import { SEARCH_ATTRIBUTE_DEFINITIONS } from "../workflows/search-attributes.ts";

export interface DevServerOptions {
  cli: string;
  port: number;
  /** Omit to run headless (tests). */
  uiPort?: number;
  /** Omit for an in-memory server. */
  dbFile?: string;
  namespace?: string;
  logFile?: string;
  /** How to start the server process; the dev supervisor starts it as one of its own parts. */
  spawnProcess?: (command: string, args: string[]) => ChildProcess;
  /** Register Nurtureflow's search attributes (default true); tests of the worker's own check turn it off. */
  searchAttributes?: boolean;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

// Through the CLI rather than a gRPC client: the dev supervisor, which runs this, then holds no
// Temporal client (about 40 MB of a Node.js process, BENCHMARKS.md, "npm run dev memory").
async function waitForFrontend(
  cli: string,
  address: string,
  timeoutMs: number,
  exited: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    if (exited()) throw new Error("the Temporal dev server exited during start-up");
    try {
      await execFileAsync(cli, [
        "operator",
        "cluster",
        "health",
        "--address",
        address,
        "--client-connect-timeout",
        "1s",
      ]);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address}: ${String(lastError)}`);
}

/** `--search-attribute` is ignored for namespaces that already exist in a db file: create them too. */
function registerSearchAttributes(cli: string, address: string, namespace: string): void {
  for (const { name, cliType } of SEARCH_ATTRIBUTE_DEFINITIONS) {
    const result = spawnSync(
      cli,
      [
        "operator",
        "search-attribute",
        "create",
        "--address",
        address,
        "--namespace",
        namespace,
        "--name",
        name,
        "--type",
        cliType,
      ],
      { encoding: "utf8" },
    );
    if (result.status !== 0 && !/already exists/i.test(result.stderr + result.stdout)) {
      throw new Error(`registering search attribute ${name} failed: ${result.stderr.trim()}`);
    }
  }
}

/**
 * Server settings the dev server does not default to. Eager activity execution: an activity a run
 * schedules on its own task queue comes back in the answer to the workflow task that scheduled it,
 * instead of waiting for a poll (BENCHMARKS.md, "Engine: third round"). Eager workflow start: a run
 * the dispatcher starts gets its first workflow task in the answer to the start, on the worker
 * sharing its connection (BENCHMARKS.md, "Engine: fourth round").
 */
export const DYNAMIC_CONFIG = [
  "system.enableActivityEagerExecution=true",
  "system.enableEagerWorkflowStart=true",
];

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? "default";
  const address = `127.0.0.1:${options.port}`;
  const args = [
    "server",
    "start-dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--namespace",
    namespace,
  ];
  args.push(...(options.uiPort ? ["--ui-port", String(options.uiPort)] : ["--headless"]));
  if (options.dbFile) args.push("--db-filename", options.dbFile);
  const withAttributes = options.searchAttributes ?? true;
  if (withAttributes)
    for (const { name, cliType } of SEARCH_ATTRIBUTE_DEFINITIONS)
      args.push("--search-attribute", `${name}=${cliType}`);
  args.push("--log-level", "warn");
  for (const setting of DYNAMIC_CONFIG) args.push("--dynamic-config-value", setting);

  const spawnProcess =
    options.spawnProcess ?? ((command, list) => spawn(command, list, { stdio: ["ignore", "pipe", "pipe"] }));
  const child = spawnProcess(options.cli, args);
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
  });
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (!exited) child.kill("SIGKILL");
    await exit;
  };
  try {
    await waitForFrontend(options.cli, address, 60_000, () => exited);
    if (withAttributes) registerSearchAttributes(options.cli, address, namespace);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop };
}
