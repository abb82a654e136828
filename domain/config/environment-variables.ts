// Every environment variable Nurtureflow reads, declared once: its zod schema (what a valid value is),
// its fallback when unset, whether it is a secret, and the sentence the README's configuration table
// shows (generated from here: `npm run config -- --table`). One schema parses the whole environment,
// so a bad value stops a process at start with a message naming the variable.
import { z } from "zod";
import { parseFrequencyCaps } from "../sending/frequency-cap.ts";
import { parseDuration } from "../sequences/duration.ts";
import { isValidTimeZone } from "../time/local-time.ts";
import { parseQuietHours } from "../time/quiet-hours.ts";

/** A secret is masked when printed; "credentials" masks only the password inside a URL. */
export type SecretKind = "secret" | "credentials";

export interface VariableSpec {
  /** Parses the trimmed text; only called for a value that is set (or has a fallback). */
  schema: z.ZodType;
  /** The text used when the variable is unset or blank; the README shows it as the default. */
  fallback?: string;
  /** What an unset variable without a fallback means, for the README ("unlimited"). */
  unset?: string;
  meaning: string;
  secret?: SecretKind;
  /** Read only by `npm run dev`. */
  devOnly?: boolean;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const wholeNumber = (min: number, max: number, what = `a whole number from ${min} to ${max}`) =>
  z
    .string()
    .regex(/^\d+$/, `must be ${what}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be ${what}`);
const count = wholeNumber(0, Number.MAX_SAFE_INTEGER, "a non-negative whole number");
const port = wholeNumber(1, 65_535, "a port number from 1 to 65535");

function urlOf(protocols: readonly string[], example: string) {
  return z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol.replace(/:$/, ""));
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.map((protocol) => `${protocol}://`).join(" or ")}) such as ${example}`,
  );
}

const choice = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  z
    .string()
    .transform((text) => text.toLowerCase())
    .pipe(z.enum(values, { error: `must be ${values.join(" or ")}` }));
const onOff = choice(["on", "off"]);
const trueFalse = choice(["true", "false"]).transform((text) => text === "true");
const list = (normalise: (item: string) => string = (item) => item) =>
  z.string().transform((text) =>
    text
      .split(",")
      .map((item) => normalise(item.trim()))
      .filter(Boolean),
  );
const text = z.string();
const pem = z.string().transform((value) => value.replace(/\\n/g, "\n"));
const durationOrOff = z
  .string()
  .refine(
    (value) => value === "off" || parseDuration(value) !== null,
    "must be a duration such as 15m, or off",
  )
  .transform((value) => (value === "off" ? null : value));
const date = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), "must be a date such as 2027-06-01")
  .transform((value) => new Date(value));
const checkedBy = (parse: (value: string) => { ok: true } | { ok: false; error: string }) =>
  z.string().superRefine((value, ctx) => {
    const parsed = parse(value);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
  });

export const ENVIRONMENT_VARIABLES = {
  DATABASE_URL: {
    schema: urlOf(["postgresql", "postgres"], "postgresql://user:password@host:5432/nurtureflow"),
    fallback: "postgresql://postgres@127.0.0.1:5432/nurtureflow",
    meaning:
      "contact store (PostgreSQL); `npm run dev` without it runs an embedded PGlite on `EMBEDDED_POSTGRES_PORT` instead",
    secret: "credentials",
  },
  TEMPORAL_ADDRESS: {
    schema: z.string().regex(/^[^\s:/]+:\d+$/, "must be host:port such as 127.0.0.1:7233"),
    fallback: "127.0.0.1:7233",
    meaning: "Temporal frontend (`npm run dev` sets it to its own dev server on `DEV_TEMPORAL_PORT`)",
  },
  TEMPORAL_UI_URL: {
    schema: urlOf(["http", "https"], "https://temporal-ui.example.com"),
    fallback: "http://127.0.0.1:8233",
    meaning:
      "Temporal Web UI the enrollments' `temporalUiUrl` links into (`npm run dev` sets its own UI port)",
  },
  TEMPORAL_NAMESPACE: { schema: text, fallback: "default", meaning: "Temporal namespace" },
  TEMPORAL_TASK_QUEUE: {
    schema: text,
    fallback: "nurtureflow",
    meaning: "task queue of the sequence workflows",
  },
  TEMPORAL_EMAIL_TASK_QUEUE: {
    schema: text,
    fallback: "nurtureflow-email",
    meaning: "task queue of the email activities (rate-limited on its own)",
  },
  TEMPORAL_TLS: {
    schema: onOff,
    unset: "on when any TLS setting or an API key is given",
    meaning: "TLS to Temporal (docs/deploy.md)",
  },
  TEMPORAL_API_KEY: {
    schema: text,
    unset: "unset",
    meaning: "Temporal Cloud API key (implies TLS)",
    secret: "secret",
  },
  TEMPORAL_TLS_CERT: { schema: pem, unset: "unset", meaning: "client certificate (PEM) for mutual TLS" },
  TEMPORAL_TLS_CERT_FILE: { schema: text, unset: "unset", meaning: "…or the path of its file" },
  TEMPORAL_TLS_KEY: { schema: pem, unset: "unset", meaning: "client private key (PEM)", secret: "secret" },
  TEMPORAL_TLS_KEY_FILE: { schema: text, unset: "unset", meaning: "…or the path of its file" },
  TEMPORAL_TLS_CA: { schema: pem, unset: "unset", meaning: "root CA (PEM) of a self-hosted cluster" },
  TEMPORAL_TLS_CA_FILE: { schema: text, unset: "unset", meaning: "…or the path of its file" },
  TEMPORAL_TLS_SERVER_NAME: {
    schema: text,
    unset: "unset",
    meaning: "name checked against the server certificate",
  },
  SMTP_URL: {
    schema: urlOf(["smtp", "smtps"], "smtps://user:pass@host:465"),
    fallback: "smtp://127.0.0.1:1025",
    meaning: "SMTP server; `smtps://user:pass@host:465` for TLS and auth (`npm run dev`: its mail catcher)",
    secret: "credentials",
  },
  MAIL_FROM: {
    schema: text,
    fallback: "Nurtureflow <hello@nurtureflow.localhost>",
    meaning: "sender; its domain also names Message-IDs",
  },
  SENDER_POSTAL_ADDRESS: {
    schema: text,
    fallback: "Nurtureflow · 1 Example Street · Springfield",
    meaning: "postal address shown in every marketing footer (a placeholder by default)",
  },
  EMAIL_RATE_LIMIT_PER_SECOND: {
    schema: count,
    fallback: "0",
    meaning: "messages per second across the email task queue (`0`: unlimited)",
  },
  SMTP_MAX_CONNECTIONS: { schema: count, fallback: "5", meaning: "pooled SMTP connections per worker" },
  DKIM_DOMAIN: {
    schema: text,
    unset: "unset (unsigned)",
    meaning: "DKIM signing domain; set with the selector and a key",
  },
  DKIM_SELECTOR: { schema: text, unset: "unset", meaning: "DKIM selector" },
  DKIM_PRIVATE_KEY: {
    schema: pem,
    unset: "unset",
    meaning: "the PEM private key (one line with `\\n` escapes works), or instead:",
    secret: "secret",
  },
  DKIM_PRIVATE_KEY_FILE: {
    schema: text,
    unset: "unset",
    meaning: "path of the PEM file, read when the worker starts",
  },
  EMAIL_TRACKING: {
    schema: onOff,
    fallback: "off",
    meaning: "`on` adds the open pixel and click redirects to every email",
  },
  PORT: {
    schema: wholeNumber(0, 65_535, "a port number from 0 to 65535"),
    fallback: "3000",
    meaning: "API port (`0`: any free port)",
  },
  HOST: {
    schema: text,
    unset: "every interface",
    meaning: "interface the API listens on (`npm run dev`: `127.0.0.1`)",
  },
  PUBLIC_URL: {
    schema: urlOf(["http", "https"], "https://mail.example.com"),
    unset: "`http://127.0.0.1:$PORT`",
    meaning: "base of unsubscribe and tracking links",
  },
  API_KEYS: {
    schema: list(),
    unset: "empty",
    meaning: 'comma-separated admin keys given by the environment (compose, CI); see "API keys"',
    secret: "secret",
  },
  TRACKER_ORIGINS: {
    schema: list((origin) => origin.replace(/\/+$/, "")),
    unset: "empty (no site)",
    meaning: "comma-separated origins (`https://shop.example.com`) whose pages may run nf.js",
  },
  NODE_ENV: {
    schema: text,
    unset: "unset",
    meaning: "`production`: API and worker refuse to start without a key or with a development link secret",
  },
  DEFAULT_MARKETING_CONSENT: {
    schema: trueFalse,
    fallback: "false",
    meaning: "`marketingConsent` of new contacts whose creator does not say",
  },
  INGEST_RATE_LIMIT_PER_SECOND: {
    schema: count,
    fallback: "100",
    meaning: "token bucket per API key on `POST /v1/events` (`0`: unlimited); 429 with `Retry-After`",
  },
  INGEST_RATE_LIMIT_BURST: {
    schema: count,
    unset: "10 × the rate",
    meaning: "requests a key may make at once before the rate applies",
  },
  LINK_SIGNING_SECRET: {
    schema: text,
    unset: "a public development value",
    meaning: "HMAC secret of unsubscribe and tracking links (32+ characters; required in production)",
    secret: "secret",
  },
  LINK_SIGNING_SECRET_PREVIOUS: {
    schema: text,
    unset: "unset",
    meaning: "the secret before a rotation: links signed with it keep working (see below)",
    secret: "secret",
  },
  LINK_SIGNING_SECRET_PREVIOUS_UNTIL: {
    schema: date,
    unset: "unset (while set)",
    meaning: "date after which links signed with the previous secret are refused",
  },
  OUTBOX_POLL_MS: {
    schema: count,
    fallback: "500",
    meaning: "fallback poll for outbox rows (new rows wake the dispatcher at once: NOTIFY)",
  },
  OUTBOX_MAX_ATTEMPTS: {
    schema: wholeNumber(1, Number.MAX_SAFE_INTEGER, "a whole number of at least 1"),
    fallback: "10",
    meaning: "attempts Temporal may reject an outbox row before it is parked",
  },
  OUTBOX_RETRY_BASE_MS: {
    schema: count,
    fallback: "1000",
    meaning: "first retry delay of a failed outbox row (doubles, up to 5 min)",
  },
  SEGMENT_SWEEP_INTERVAL: {
    schema: durationOrOff,
    fallback: "15m",
    meaning: "how often the segment sweep Schedule runs; `off` removes the Schedule",
  },
  WORKER_CACHED_RUNS: {
    schema: wholeNumber(2, 1_000_000, "a whole number from 2 to 1000000"),
    fallback: "1000",
    meaning:
      "runs a worker keeps in memory between their tasks (about 0.1 MB of heap each); beyond them a waking run is replayed from its history",
  },
  WORKFLOW_BUNDLE_PATH: {
    schema: text,
    unset: "bundled at start (or the build's bundle)",
    meaning:
      "worker: a workflow bundle written earlier; `npm run dev` writes one so the worker skips webpack",
  },
  LOG_LEVEL: {
    schema: choice(LOG_LEVELS),
    fallback: "info",
    meaning: `pino log level (${LOG_LEVELS.join(", ")})`,
  },
  FREQUENCY_CAP: {
    schema: checkedBy(parseFrequencyCaps),
    fallback: "off",
    meaning: "marketing emails per contact per window, e.g. `2/1d,5/7d` (Sending rules)",
  },
  QUIET_HOURS: {
    schema: checkedBy(parseQuietHours),
    fallback: "off",
    meaning: "local span in which marketing email waits, e.g. `21:00-08:00`",
  },
  DEFAULT_TIME_ZONE: {
    schema: z.string().refine(isValidTimeZone, "must be an IANA time zone such as Europe/Rome"),
    fallback: "UTC",
    meaning: "time zone of contacts without a valid one",
  },
  WEBHOOK_ALLOWED_HOSTS: {
    schema: list((host) => host.toLowerCase()),
    unset: "empty",
    meaning: "comma-separated `host[:port]` webhooks may reach on private addresses",
  },
  WEBHOOK_SIGNING_SECRET: {
    schema: text,
    unset: "a public development value",
    meaning: "HMAC key of `X-Nurtureflow-Signature` (32+ characters; required in production)",
    secret: "secret",
  },
  ERASURE_HASH_SECRET: {
    schema: text,
    unset: "a public development value",
    meaning:
      "HMAC key of erased addresses kept on the suppression list (32+ characters; required in production; never change it)",
    secret: "secret",
  },
  NURTUREFLOW_DATA_DIR: {
    schema: text,
    fallback: ".nurtureflow",
    meaning: "where `npm run dev` keeps its data (relative to the checkout)",
    devOnly: true,
  },
  DEV_TEMPORAL_PORT: {
    schema: port,
    fallback: "7233",
    meaning: "`npm run dev`: Temporal frontend",
    devOnly: true,
  },
  DEV_TEMPORAL_UI_PORT: {
    schema: port,
    fallback: "8233",
    meaning: "`npm run dev`: Temporal Web UI",
    devOnly: true,
  },
  DEV_SMTP_PORT: {
    schema: port,
    fallback: "1025",
    meaning: "`npm run dev`: mail catcher SMTP",
    devOnly: true,
  },
  DEV_MAIL_UI_PORT: {
    schema: port,
    fallback: "1080",
    meaning: "`npm run dev`: mail inbox (web)",
    devOnly: true,
  },
  EMBEDDED_POSTGRES_PORT: {
    schema: port,
    fallback: "55432",
    meaning: "`npm run dev` without `DATABASE_URL`: the embedded PGlite",
    devOnly: true,
  },
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof ENVIRONMENT_VARIABLES;
type Specs = typeof ENVIRONMENT_VARIABLES;
type Value<Spec> = Spec extends { schema: infer S extends z.ZodType; fallback: string }
  ? z.output<S>
  : Spec extends { schema: infer S extends z.ZodType }
    ? z.output<S> | undefined
    : never;
/** The environment, parsed: a variable with a fallback always has a value, others may be undefined. */
export type Environment = { [Name in VariableName]: Value<Specs[Name]> };

export class ConfigError extends Error {}

/** The text in force for a variable: trimmed, blank counting as unset, else its fallback. */
export function rawValue(env: Record<string, string | undefined>, name: VariableName): string | undefined {
  const spec: VariableSpec = ENVIRONMENT_VARIABLES[name];
  const given = env[name]?.trim();
  return given ? given : spec.fallback;
}

const EnvironmentSchema = z.object(
  Object.fromEntries(
    Object.entries(ENVIRONMENT_VARIABLES).map(([name, spec]) => [
      name,
      (spec.schema as z.ZodType).optional(),
    ]),
  ),
);

/** Parses every variable; a bad one is a ConfigError naming each offending variable and what it must be. */
export function parseEnvironment(env: Record<string, string | undefined>): Environment {
  const raw = Object.fromEntries(
    (Object.keys(ENVIRONMENT_VARIABLES) as VariableName[]).map((name) => [name, rawValue(env, name)]),
  );
  const parsed = EnvironmentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "),
    );
  }
  return parsed.data as Environment;
}
