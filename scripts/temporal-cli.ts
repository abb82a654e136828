// Finds the Temporal CLI (its dev server is the local Temporal), installing it when missing:
// TEMPORAL_CLI, then `temporal` on PATH, then Go's bin folder, then `go install` where Go is present,
// then the official release archive where the internet is reachable.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { arch, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Later tags carry a `replace` directive in go.mod, which `go install` refuses. */
export const TEMPORAL_CLI_VERSION = "1.5.1";
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const DOWNLOAD_DIR = join(PROJECT_ROOT, ".nurtureflow", "bin");

function works(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

function goBinDir(): string | null {
  const result = spawnSync("go", ["env", "GOPATH"], { encoding: "utf8" });
  return result.status === 0 ? join(result.stdout.trim().split(":")[0] ?? "", "bin") : null;
}

export function findTemporalCli(): string | null {
  const candidates = [
    process.env.TEMPORAL_CLI,
    "temporal",
    goBinDir() && join(goBinDir() as string, "temporal"),
    join(DOWNLOAD_DIR, "temporal"),
  ];
  for (const candidate of candidates) {
    if (candidate && works(candidate)) return candidate;
  }
  return null;
}

async function downloadRelease(log: (line: string) => void): Promise<string> {
  const os = platform() === "darwin" ? "darwin" : "linux";
  const cpu = arch() === "arm64" ? "arm64" : "amd64";
  const url = `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${os}&arch=${cpu}`;
  log(`downloading the Temporal CLI from ${url}`);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`download failed: HTTP ${response.status}`);
  mkdirSync(DOWNLOAD_DIR, { recursive: true });
  const archive = join(DOWNLOAD_DIR, "temporal.tar.gz");
  writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
  execFileSync("tar", ["-xzf", archive, "-C", DOWNLOAD_DIR, "temporal"]);
  const binary = join(DOWNLOAD_DIR, "temporal");
  chmodSync(binary, 0o755);
  return binary;
}

export async function ensureTemporalCli(log: (line: string) => void = console.log): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  const goBin = goBinDir();
  if (goBin) {
    log(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install (a few minutes the first time)`);
    const started = Date.now();
    const result = spawnSync(
      "go",
      ["install", `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
      {
        stdio: "inherit",
      },
    );
    const binary = join(goBin, "temporal");
    if (result.status === 0 && existsSync(binary)) {
      log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
      return binary;
    }
    log("go install failed; trying the release download");
  }
  try {
    return await downloadRelease(log);
  } catch (error) {
    throw new Error(
      `The Temporal CLI is missing and could not be installed (${String(error)}).\n` +
        `Install it with \`go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}\` ` +
        "or from https://docs.temporal.io/cli, or set TEMPORAL_CLI to its path.",
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const binary = await ensureTemporalCli();
  console.log(execFileSync(binary, ["--version"], { encoding: "utf8" }).trim(), `(${dirname(binary)})`);
}
