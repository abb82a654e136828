// A child of the dev supervisor in its own process group: a terminal's Ctrl-C reaches only the
// supervisor, which then stops the children one by one in its own order, and stopping a child stops
// whatever that child started too.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface StackPart {
  name: string;
  stop(): Promise<void>;
}

export interface SupervisedProcess extends StackPart {
  child: ChildProcess;
  /** Settles with the exit code (or signal name) when the process ends, whoever ended it. */
  exited: Promise<number | string>;
  /** Resolves when the process reports "ready" over IPC (see announceReady); rejects if it ends first. */
  ready(): Promise<void>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Prefixes every line of the child's output with its name. */
function relayLines(stream: NodeJS.ReadableStream | null, write: (line: string) => void): void {
  if (stream) createInterface({ input: stream }).on("line", write);
}

export function startSupervised(options: {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** How long the process may take to finish its work after SIGTERM before it is killed. */
  graceMs: number;
  log?: (line: string) => void;
  /** Leave the output to the caller (the Temporal server writes it to a log file). */
  quiet?: boolean;
}): SupervisedProcess {
  const { name, graceMs } = options;
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    detached: true,
  });
  const log = options.log ?? ((line: string) => console.log(line));
  if (!options.quiet) {
    relayLines(child.stdout, (line) => log(`[${name}] ${line}`));
    relayLines(child.stderr, (line) => log(`[${name}] ${line}`));
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once("error", (error) => {
      log(`[${name}] could not start: ${error.message}`);
      resolve("error");
    });
    child.once("exit", (code, signal) => resolve(signal ?? code ?? 0));
  });
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      const pid = child.pid;
      if (pid === undefined) return;
      if (child.exitCode === null && child.signalCode === null) signalGroup(pid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), graceMs);
      });
      if ((await Promise.race([exited, late])) === "late") {
        log(`[${name}] did not stop within ${graceMs} ms: killed`);
      }
      clearTimeout(timer);
      // Whatever the process left behind in its group goes with it.
      signalGroup(pid, "SIGKILL");
      await exited;
    })();
    return stopping;
  };
  const readyMessage = new Promise<void>((resolve, reject) => {
    child.on("message", (message) => {
      if (message === "ready") resolve();
    });
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
  readyMessage.catch(() => undefined);
  return { name, child, exited, stop, ready: () => readyMessage };
}

/** Runs a command to its end (a migration); its output is shown only when it fails. */
export async function runToEnd(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | string; output: string }> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | string>((resolve) => {
    child.once("error", (error) => resolve(error.message));
    child.once("exit", (exitCode, signal) => resolve(signal ?? exitCode ?? 0));
  });
  return { code, output };
}

/** Tells a supervising parent (the dev stack) that this process is up; a no-op without one. */
export function announceReady(): void {
  process.send?.("ready");
  // The channel must not keep the process alive once its work ends.
  process.channel?.unref();
}
