// Issue 13: the processes read their configuration through one schema. A bad value stops `npm run api`,
// `npm run worker` and `npm run dev` at start, naming the variable, before anything is opened;
// `npm run config` prints what is in force with the secrets masked.
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;

function npmRun(script: string, env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// Unreachable on purpose: a process that got past its configuration would fail differently, later.
const NOWHERE = { DATABASE_URL: "postgresql://postgres@127.0.0.1:9/none", TEMPORAL_ADDRESS: "127.0.0.1:9" };

describe("a bad value stops the process at start, naming the variable", () => {
  test.each([
    ["api", "SMTP_URL", "foo", /SMTP_URL: must be a URL \(smtp:\/\/ or smtps:\/\/\)/],
    ["api", "PORT", "abc", /PORT: must be a port number/],
    ["api", "SEGMENT_SWEEP_INTERVAL", "often", /SEGMENT_SWEEP_INTERVAL: must be a duration/],
    ["worker", "SEGMENT_SWEEP_INTERVAL", "fortnightly", /SEGMENT_SWEEP_INTERVAL: must be a duration/],
    ["dev", "PORT", "abc", /PORT: must be a port number/],
  ])(
    "npm run %s with %s=%s",
    async (script, name, value, message) => {
      const result = await npmRun(script, { ...NOWHERE, [name]: value });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/invalid configuration/);
      expect(result.stderr).toMatch(message);
      // It stopped there: no log line of a started process, no stack trace.
      expect(result.stdout).not.toMatch(/listening|worker started|\[dev\] PostgreSQL/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});

describe("npm run config", () => {
  test("prints the configuration in force with the secrets masked", async () => {
    const result = await npmRun("config", {
      DATABASE_URL: "postgresql://nf:db-pass-123@db.internal:5432/nf",
      LINK_SIGNING_SECRET: "link-secret-abcdefghijklmnopqrstuvwxyz",
      API_KEYS: "nf_admin_key_789",
      PORT: "8080",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^DATABASE_URL\s+postgresql:\/\/nf:\*{8}@db\.internal:5432\/nf$/m);
    expect(result.stdout).toMatch(/^PORT\s+8080$/m);
    expect(result.stdout).toMatch(/^SMTP_URL\s+smtp:\/\/127\.0\.0\.1:1025 {2}\[default\]$/m);
    expect(result.stdout).toMatch(/^LINK_SIGNING_SECRET\s+\*{8}$/m);
    for (const secret of ["db-pass-123", "link-secret", "nf_admin_key_789"]) {
      expect(result.stdout).not.toContain(secret);
    }
  }, 60_000);

  test("refuses a bad value as the processes do", async () => {
    const result = await npmRun("config", { SMTP_URL: "foo" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SMTP_URL: /);
  }, 60_000);
});
