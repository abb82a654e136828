// What every benchmark writes next to its figures: the machine, the versions, the command, and its own
// section of BENCHMARKS.md (replaced on the next run, other sections untouched).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

const BENCHMARKS_FILE = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));

function run(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

/** Cores, memory, CPU model and the load average at the time of the call (other work shares the cores). */
export function machineLines(): string[] {
  const free = run("free", ["-h"])?.split("\n")[1]?.replace(/\s+/g, " ").trim();
  const load = os.loadavg().map((value) => value.toFixed(1));
  return [
    `- CPU: ${os.cpus()[0]?.model ?? "unknown"}, ${os.availableParallelism()} cores (nproc)`,
    `- memory (free -h): ${free ?? `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`}`,
    `- load average when written (1, 5, 15 min): ${load.join(", ")}`,
    `- Node.js ${process.version}, ${os.platform()} ${os.release()}`,
  ];
}

/** Versions of the parts the pipeline stands on, as far as this machine can tell. */
export function versionLines(extra: Record<string, string | null | undefined> = {}): string[] {
  return Object.entries(extra)
    .filter(([, value]) => value)
    .map(([name, value]) => `- ${name}: ${value}`);
}

export function temporalCliVersion(cli: string): string | null {
  return run(cli, ["--version"])?.split("\n")[0] ?? null;
}

/** The command line that produced the figures, as a user would type it. */
export function commandLine(): string {
  const event = process.env.npm_lifecycle_event;
  const script = event?.startsWith("bench") ? event : null;
  const args = process.argv.slice(2).join(" ");
  const only = process.env.BENCH_ONLY ? `BENCH_ONLY=${process.env.BENCH_ONLY} ` : "";
  return script
    ? `${only}npm run ${script}${args ? ` -- ${args}` : ""}`
    : `${only}npx tsx ${process.argv.slice(1).join(" ")}`;
}

/** Replaces (or appends) the section headed `## heading`, keeping every other section as it was. */
export function writeSection(heading: string, lines: string[]): void {
  const existing = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, "utf8") : "# Benchmarks\n";
  const section = `## ${heading}\n\n${lines.join("\n")}\n`;
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`## ${escaped}\\n[\\s\\S]*?(?=\\n## |$)`);
  const updated = pattern.test(existing)
    ? existing.replace(pattern, `${section.trimEnd()}\n`)
    : `${existing.trimEnd()}\n\n${section}`;
  writeFileSync(BENCHMARKS_FILE, `${updated.trimEnd()}\n`);
}

/** The value below which `share` of the sorted values lie (nearest rank). */
export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

export function markdownTable(header: string[], rows: Array<Array<string | number>>): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}

/** Runs `count` tasks with at most `concurrency` in flight; returns the seconds it took. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return (performance.now() - started) / 1000;
}
