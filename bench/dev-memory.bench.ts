// `npm run dev`'s memory: the resident memory of its whole process tree (the supervisor, the embedded
// PostgreSQL, the mail catcher, the Temporal dev server, the worker, the API), once the stack is up and
// again after the first welcome email reached the mail inbox. Free ports and a fresh data folder, so
// it runs beside a developer's own stack.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/support/free-port.ts";
import { call } from "./pipeline-stack.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Every process whose ancestry reaches `root`, with its RSS in KiB. */
function processTree(root: number): Array<{ pid: number; name: string; rssKiB: number }> {
  const parents = new Map<number, number>();
  const info = new Map<number, { name: string; rssKiB: number }>();
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
  return [...info.entries()]
    .filter(([pid]) => inTree(pid))
    .map(([pid, { name, rssKiB }]) => ({ pid, name, rssKiB }));
}

const MiB = (kib: number) => Math.round(kib / 1024);

export interface DevMemoryResult {
  afterStartMiB: number;
  afterFirstEmailMiB: number;
  parts: Array<{ name: string; afterStartMiB: number; afterFirstEmailMiB: number }>;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
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
  dev.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  dev.stderr.resume();
  const baseUrl = `http://127.0.0.1:${api}`;
  try {
    await waitFor("the dev stack", 300_000, async () => output.includes("Nurtureflow is running"));
    // Settled: start-up peaks (bundling, migrations) are behind.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const started = processTree(dev.pid as number);
    const created = await call(baseUrl, "POST", "/v1/contacts", {
      email: "ada@example.com",
      name: "Ada Lovelace",
      marketingConsent: true,
    });
    await call(baseUrl, "PUT", `/v1/contacts/${created.body?.id}/stage`, { stage: "lead" });
    await waitFor("the welcome email in the mail inbox", 120_000, async () => {
      const inbox = (await (await fetch(`http://127.0.0.1:${mailUi}/api/email`)).json()) as unknown[];
      return inbox.length > 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const afterEmail = processTree(dev.pid as number);
    const label = (name: string) =>
      /pglite/.test(name)
        ? "embedded PostgreSQL (PGlite)"
        : /maildev/.test(name)
          ? "mail catcher (maildev)"
          : /temporal/.test(name)
            ? "Temporal dev server"
            : /worker\/main/.test(name)
              ? "worker"
              : /api\/main/.test(name)
                ? "API"
                : /scripts\/dev/.test(name)
                  ? "supervisor (scripts/dev.ts)"
                  : "npm and shells";
    const byPart = (tree: typeof started) => {
      const sums = new Map<string, number>();
      for (const { name, rssKiB } of tree) sums.set(label(name), (sums.get(label(name)) ?? 0) + rssKiB);
      return sums;
    };
    const before = byPart(started);
    const after = byPart(afterEmail);
    const sum = (tree: typeof started) => MiB(tree.reduce((total, { rssKiB }) => total + rssKiB, 0));
    return {
      afterStartMiB: sum(started),
      afterFirstEmailMiB: sum(afterEmail),
      parts: [...new Set([...before.keys(), ...after.keys()])].map((name) => ({
        name,
        afterStartMiB: MiB(before.get(name) ?? 0),
        afterFirstEmailMiB: MiB(after.get(name) ?? 0),
      })),
    };
  } finally {
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    if (dev.exitCode === null && dev.signalCode === null) {
      dev.kill("SIGINT");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
