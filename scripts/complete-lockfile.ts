// This workplace's npm registry serves only the platform packages of the machine it runs on, so npm
// leaves the other platforms' optional binaries (@biomejs/cli-*, @swc/core-*) out of package-lock.json
// and `npm ci` then refuses the lock as out of sync. This adds each missing optional package with the
// os/cpu/libc it declares by name, so npm ci skips it on other platforms without fetching it.
// Run after every `npm install` that changes the lock: `npm run lockfile:complete`.
import { readFileSync, writeFileSync } from "node:fs";

interface LockPackage {
  version?: string;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

const OS = ["android", "darwin", "win32", "freebsd", "linux"];
const CPU: Array<[RegExp, string]> = [
  [/arm64|aarch64/, "arm64"],
  [/x64|x86_64/, "x64"],
  [/ia32/, "ia32"],
  [/ppc64/, "ppc64"],
  [/s390x/, "s390x"],
  [/riscv64/, "riscv64"],
  [/arm(?!64)/, "arm"],
];

function platformOf(name: string): Pick<LockPackage, "os" | "cpu" | "libc"> | null {
  const base = name.split("/").at(-1) ?? name;
  const os = OS.find((candidate) => base.includes(candidate));
  const cpu = CPU.find(([pattern]) => pattern.test(base))?.[1];
  if (!os || !cpu) return null;
  return { os: [os], cpu: [cpu], ...(base.includes("musl") ? { libc: ["musl"] } : {}) };
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8")) as { packages: Record<string, LockPackage> };
const added: string[] = [];
for (const entry of Object.values(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const platform = platformOf(name);
    if (lock.packages[key] || !platform) continue;
    lock.packages[key] = { version, optional: true, ...platform };
    added.push(`${name}@${version}`);
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length ? `added ${added.length} platform packages: ${added.join(", ")}` : "lock file complete",
);
