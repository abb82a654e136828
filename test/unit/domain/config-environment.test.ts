import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  configurationLines,
  configurationTable,
  formatConfiguration,
} from "../../../domain/config/configuration-report.ts";
import { ENVIRONMENT_VARIABLES } from "../../../domain/config/environment-variables.ts";
import { ConfigError, parseConfig } from "../../../domain/config.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const README = readFileSync(join(ROOT, "README.md"), "utf8");

describe("one schema for the environment", () => {
  it.each([
    ["SMTP_URL", "foo"],
    ["PORT", "abc"],
    ["SEGMENT_SWEEP_INTERVAL", "often"],
    ["DATABASE_URL", "mysql://db/nf"],
    ["LOG_LEVEL", "loud"],
    ["EMAIL_TRACKING", "yes"],
    ["DEV_SMTP_PORT", "70000"],
    ["LINK_SIGNING_SECRET_PREVIOUS_UNTIL", "someday"],
  ])("%s=%s is refused naming the variable", (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^(.*; )?${name}: `));
  });

  it("names every bad variable at once", () => {
    expect(() => parseConfig({ SMTP_URL: "foo", PORT: "abc" })).toThrow(/SMTP_URL: .*; PORT: /);
  });

  it("blank is unset, and a fallback applies", () => {
    expect(parseConfig({ PORT: " ", SMTP_URL: "" })).toMatchObject({
      port: 3000,
      smtpUrl: "smtp://127.0.0.1:1025",
    });
  });
});

describe("npm run config's report", () => {
  const env = {
    DATABASE_URL: "postgresql://nf:db-pass-123@db.internal:5432/nf",
    SMTP_URL: "smtps://mailer:smtp-pass-456@smtp.example.com:465",
    API_KEYS: "nf_admin_key_789",
    LINK_SIGNING_SECRET: "link-secret-abcdefghijklmnopqrstuvwxyz",
    WEBHOOK_SIGNING_SECRET: "webhook-secret-000",
    PORT: "8080",
  };
  const report = formatConfiguration(configurationLines(env));

  it("shows every variable, its value in force and whether it is a default", () => {
    for (const name of Object.keys(ENVIRONMENT_VARIABLES)) expect(report).toContain(name);
    expect(report).toMatch(/^PORT\s+8080$/m);
    expect(report).toMatch(/^TEMPORAL_ADDRESS\s+127\.0\.0\.1:7233 {2}\[default\]$/m);
    expect(report).toContain("db.internal:5432/nf");
  });

  it("masks secrets, passwords inside URLs included", () => {
    for (const secret of [
      "db-pass-123",
      "smtp-pass-456",
      "nf_admin_key_789",
      "link-secret",
      "webhook-secret",
    ]) {
      expect(report).not.toContain(secret);
    }
    expect(report).toMatch(/^API_KEYS\s+\*{8}$/m);
  });
});

describe("the README's configuration table", () => {
  const section = /<!-- configuration-table:start -->\n([\s\S]*?)\n<!-- configuration-table:end -->/.exec(
    README,
  )?.[1];

  it("is the table generated from the schema (npm run config -- --table)", () => {
    expect(section).toBe(configurationTable());
  });

  it("lists every variable of the schema, and only those", () => {
    const documented = [...(section ?? "").matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(Object.keys(ENVIRONMENT_VARIABLES).sort());
  });

  it("gives the defaults the code uses", () => {
    const config = parseConfig({});
    const row = (name: string) =>
      new RegExp(`^\\| \`${name}\` \\| \`([^\`]*)\` \\|`, "m").exec(section ?? "")?.[1];
    expect(row("DATABASE_URL")).toBe(config.databaseUrl);
    expect(row("SMTP_URL")).toBe(config.smtpUrl);
    expect(row("PORT")).toBe(String(config.port));
    expect(row("TEMPORAL_ADDRESS")).toBe(config.temporalAddress);
  });
});

describe("where the processes read their environment", () => {
  const sources = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
      return path.endsWith(".ts") ? [path] : [];
    });
  const files = [
    ...["api", "worker", "activities", "domain"].flatMap(sources),
    ...sources("scripts").filter((path) => /^scripts\/(dev|config)/.test(path)),
  ];

  it("reads no variable outside the schema (process.env is only handed on whole)", () => {
    const reads = files.flatMap((path) =>
      [...readFileSync(join(ROOT, path), "utf8").matchAll(/process\.env(?:\.([A-Z_]+)|\[)/g)].map(
        (match) => `${path}: ${match[0]}`,
      ),
    );
    expect(reads).toEqual([]);
  });
});
