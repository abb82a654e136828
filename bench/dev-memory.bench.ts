// `npm run dev`'s memory: the resident memory (RSS and PSS) of its whole process tree (npm, the
// supervisor with its mail inbox, the embedded PostgreSQL, the Temporal dev server, the worker, the
// API), once the stack is up and again after the first welcome email reached the mail inbox. Free
// ports and a fresh data folder, so it runs beside a developer's own stack.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/support/free-port.ts";
import { call } from "./pipeline-stack.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface TreeProcess {
  pid: number;
  name: string;
  /** Resident memory, shared pages (the node binary, libraries) counted in full in every process. */
  rssKiB: number;
  /** Proportional set size: each shared page divided among the processes sharing it. */
  pssKiB: number;
}

/** Every process whose ancestry reaches `root`, with its RSS and PSS in KiB. */
function processTree(root: number): TreeProcess[] {
  const parents = new Map<number, number>();
  const info = new Map<number, Omit<TreeProcess, "pid">>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, "m").exec(status)?.[1] ?? "";
      parents.set(Number(entry), Number(field("PPid")));
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      info.set(Number(entry), {
        name: cmdline || field("Name"),
        rssKiB: Number.parseInt(field("VmRSS"), 10) || 0,
        pssKiB: Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/smaps_rollup`, "utf8"))?.[1] ?? 0),
      });
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 64; current = parents.get(current) ?? 0, hops++)
      if (current === root) return true;
    return false;
  };
  return [...info.entries()].filter(([pid]) => inTree(pid)).map(([pid, process]) => ({ pid, ...process }));
}

const MiB = (kib: number) => Math.round(kib / 1024);

export interface DevMemoryResult {
  afterStartMiB: number;
  afterFirstEmailMiB: number;
  afterFirstEmailPssMiB: number;
  parts: Array<{
    name: string;
    afterStartMiB: number;
    afterFirstEmailMiB: number;
    afterFirstEmailPssMiB: number;
  }>;
}

/** Polls `check` until it holds; fails at once when the stack has ended (it will not come back). */
async function waitFor(
  what: string,
  timeoutMs: number,
  stack: { ended(): string | null },
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const ended = stack.ended();
    if (ended) throw new Error(`waiting for ${what}: npm run dev ended (${ended})`);
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function runDevMemoryBench(): Promise<DevMemoryResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "nurtureflow-dev-memory-"));
  const [api, temporal, temporalUi, smtp, mailUi, pgPort] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  // Without DATABASE_URL the stack starts its embedded database, as on a developer's first run.
  const { DATABASE_URL: _external, ...inherited } = process.env;
  const env = {
    ...inherited,
    NURTUREFLOW_DATA_DIR: dataDir,
    PORT: String(api),
    DEV_TEMPORAL_PORT: String(temporal),
    DEV_TEMPORAL_UI_PORT: String(temporalUi),
    DEV_SMTP_PORT: String(smtp),
    DEV_MAIL_UI_PORT: String(mailUi),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
  };
  const dev = spawn("npm", ["run", "dev"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  dev.stdout.on("data", collect);
  dev.stderr.on("data", collect);
  // A stack that stopped (a start-up failure, a port taken meanwhile) is reported with its output
  // instead of being waited on until the timeouts.
  const stack = {
    ended: () =>
      dev.exitCode === null && dev.signalCode === null
        ? null
        : `${dev.exitCode ?? dev.signalCode}; its output:\n${output.slice(-4_000)}`,
  };
  const baseUrl = `http://127.0.0.1:${api}`;
  try {
    await waitFor("the dev stack", 300_000, stack, async () => output.includes("Nurtureflow is running"));
    // Settled: start-up peaks (bundling, migrations) are behind.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const started = processTree(dev.pid as number);
    const created = await call(baseUrl, "POST", "/v1/contacts", {
      email: "ada@example.com",
      name: "Ada Lovelace",
      marketingConsent: true,
    });
    await call(baseUrl, "PUT", `/v1/contacts/${created.body?.id}/stage`, { stage: "lead" });
    await waitFor("the welcome email in the mail inbox", 120_000, stack, async () => {
      const inbox = (await (await fetch(`http://127.0.0.1:${mailUi}/api/email`)).json()) as unknown[];
      return inbox.length > 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const afterEmail = processTree(dev.pid as number);
    const label = (name: string) =>
      /pglite|embedded-postgres/.test(name)
        ? "embedded PostgreSQL (PGlite)"
        : /temporal/.test(name)
          ? "Temporal dev server"
          : /worker\/main/.test(name)
            ? "worker"
            : /api\/main/.test(name)
              ? "API"
              : /scripts\/dev\.ts/.test(name)
                ? "supervisor (scripts/dev.ts, with the mail inbox)"
                : "npm and shells";
    const byPart = (tree: TreeProcess[], size: "rssKiB" | "pssKiB") => {
      const sums = new Map<string, number>();
      for (const process of tree)
        sums.set(label(process.name), (sums.get(label(process.name)) ?? 0) + process[size]);
      return sums;
    };
    const before = byPart(started, "rssKiB");
    const after = byPart(afterEmail, "rssKiB");
    const afterPss = byPart(afterEmail, "pssKiB");
    const sum = (tree: TreeProcess[], size: "rssKiB" | "pssKiB") =>
      MiB(tree.reduce((total, process) => total + process[size], 0));
    return {
      afterStartMiB: sum(started, "rssKiB"),
      afterFirstEmailMiB: sum(afterEmail, "rssKiB"),
      afterFirstEmailPssMiB: sum(afterEmail, "pssKiB"),
      parts: [...new Set([...before.keys(), ...after.keys()])].map((name) => ({
        name,
        afterStartMiB: MiB(before.get(name) ?? 0),
        afterFirstEmailMiB: MiB(after.get(name) ?? 0),
        afterFirstEmailPssMiB: MiB(afterPss.get(name) ?? 0),
      })),
    };
  } finally {
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    if (dev.exitCode === null && dev.signalCode === null) {
      dev.kill("SIGINT");
      // The supervisor stops its parts within their grace periods; past that, npm is killed.
      const timer = setTimeout(() => dev.kill("SIGKILL"), 90_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
