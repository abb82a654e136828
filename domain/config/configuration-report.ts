// What `npm run config` prints (each variable's value in force, secrets masked) and the README's
// configuration table, both from the variable declarations so neither can drift from the schema.
import {
  ENVIRONMENT_VARIABLES,
  rawValue,
  type VariableName,
  type VariableSpec,
} from "./environment-variables.ts";

const MASK = "********";

/** The value shown for a secret: masked entirely, or only the password of a URL. */
export function maskedValue(spec: VariableSpec, value: string): string {
  if (spec.secret === "secret") return MASK;
  if (spec.secret === "credentials") {
    try {
      const url = new URL(value);
      if (url.password) url.password = MASK;
      return url.toString();
    } catch {
      return MASK;
    }
  }
  return value;
}

export interface ConfigurationLine {
  name: VariableName;
  /** The value in force as text, masked when secret; null: unset (`meaning` of unset in `unset`). */
  value: string | null;
  source: "environment" | "default" | "unset";
  unset?: string;
}

const entries = () => Object.entries(ENVIRONMENT_VARIABLES) as [VariableName, VariableSpec][];

export function configurationLines(env: Record<string, string | undefined>): ConfigurationLine[] {
  return entries().map(([name, spec]) => {
    const value = rawValue(env, name);
    const source = env[name]?.trim() ? "environment" : value === undefined ? "unset" : "default";
    return {
      name,
      value: value === undefined ? null : maskedValue(spec, value),
      source,
      ...(spec.unset ? { unset: spec.unset.replace(/`/g, "") } : {}),
    };
  });
}

export function formatConfiguration(lines: readonly ConfigurationLine[]): string {
  const width = Math.max(...lines.map((line) => line.name.length));
  return lines
    .map((line) => {
      const shown = line.value ?? `(${line.unset ?? "unset"})`;
      return `${line.name.padEnd(width)}  ${shown}${line.source === "default" ? "  [default]" : ""}`;
    })
    .join("\n");
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/** The README's table: variable, default (the fallback, or what unset means), meaning. */
export function configurationTable(): string {
  const rows = entries().map(([name, spec]) => [
    `\`${name}\``,
    spec.fallback !== undefined ? `\`${spec.fallback}\`` : (spec.unset ?? "unset"),
    spec.meaning,
  ]);
  return [
    "| variable | default | meaning |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ].join("\n");
}
