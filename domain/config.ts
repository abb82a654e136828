// Runtime configuration from the environment (DESIGN.md §4), with defaults that serve local use.
// Pure: callers pass process.env, tests pass a literal.
import { parseDuration } from "./sequences/duration.ts";

/** Where the DKIM private key comes from: the PEM itself, or a file the worker reads at start. */
export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: { pem: string } | { file: string };
}

export interface NurtureflowConfig {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  emailTaskQueue: string;
  smtpUrl: string;
  mailFrom: string;
  /** Commercial email must show the sender's postal address (CAN-SPAM, CASL). */
  senderPostalAddress: string;
  port: number;
  publicUrl: string;
  apiKeys: string[];
  /** Secret for signed unsubscribe and tracking links. */
  linkSigningSecret: string;
  emailRateLimitPerSecond: number | null;
  smtpMaxConnections: number;
  /** Sign outgoing mail with DKIM (List-Unsubscribe and List-Unsubscribe-Post included); null: unsigned. */
  dkim: DkimSettings | null;
  /** Open pixel and click redirects in marketing email; off unless EMAIL_TRACKING=on. */
  emailTracking: boolean;
  outboxPollMs: number;
  /** Attempts Temporal may reject an outbox row before it is parked for an operator. */
  outboxMaxAttempts: number;
  /** First retry delay of a failed outbox row; doubles per attempt (up to 5 minutes). */
  outboxRetryBaseMs: number;
  /** How often the segment sweep runs (a duration such as "15m"); null turns the schedule off. */
  segmentSweepInterval: string | null;
  logLevel: string;
}

export class ConfigError extends Error {}

function integer(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return value;
}

function optionalDuration(
  env: Record<string, string | undefined>,
  name: string,
  fallback: string,
): string | null {
  const raw = env[name]?.trim() || fallback;
  if (raw === "off") return null;
  if (parseDuration(raw) === null) throw new ConfigError(`${name} must be a duration such as 15m, or off`);
  return raw;
}

function dkimSettings(env: Record<string, string | undefined>): DkimSettings | null {
  const domainName = env.DKIM_DOMAIN?.trim();
  const keySelector = env.DKIM_SELECTOR?.trim();
  const pem = env.DKIM_PRIVATE_KEY?.trim();
  const file = env.DKIM_PRIVATE_KEY_FILE?.trim();
  if (!domainName && !keySelector && !pem && !file) return null;
  if (!domainName || !keySelector || (!pem && !file)) {
    throw new ConfigError(
      "DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE together",
    );
  }
  if (pem && file) throw new ConfigError("set DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE, not both");
  // Environments often hold a PEM on one line with literal "\n" separators.
  return {
    domainName,
    keySelector,
    privateKey: pem ? { pem: pem.replace(/\\n/g, "\n") } : { file: file as string },
  };
}

function onOff(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === "on") return true;
  if (raw === "off") return false;
  throw new ConfigError(`${name} must be on or off`);
}

export function parseConfig(env: Record<string, string | undefined>): NurtureflowConfig {
  const port = integer(env, "PORT", 3000);
  const rate = integer(env, "EMAIL_RATE_LIMIT_PER_SECOND", 0);
  return {
    databaseUrl: env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/nurtureflow",
    temporalAddress: env.TEMPORAL_ADDRESS || "127.0.0.1:7233",
    temporalNamespace: env.TEMPORAL_NAMESPACE || "default",
    taskQueue: env.TEMPORAL_TASK_QUEUE || "nurtureflow",
    emailTaskQueue: env.TEMPORAL_EMAIL_TASK_QUEUE || "nurtureflow-email",
    smtpUrl: env.SMTP_URL || "smtp://127.0.0.1:1025",
    mailFrom: env.MAIL_FROM || "Nurtureflow <hello@nurtureflow.localhost>",
    senderPostalAddress: env.SENDER_POSTAL_ADDRESS || "Nurtureflow · 1 Example Street · Springfield",
    port,
    publicUrl: (env.PUBLIC_URL || `http://127.0.0.1:${port}`).replace(/\/+$/, ""),
    apiKeys: (env.API_KEYS ?? "")
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean),
    linkSigningSecret: env.LINK_SIGNING_SECRET || "nurtureflow-local-development-secret",
    emailRateLimitPerSecond: rate > 0 ? rate : null,
    smtpMaxConnections: integer(env, "SMTP_MAX_CONNECTIONS", 5),
    dkim: dkimSettings(env),
    emailTracking: onOff(env, "EMAIL_TRACKING", false),
    outboxPollMs: integer(env, "OUTBOX_POLL_MS", 500),
    outboxMaxAttempts: Math.max(1, integer(env, "OUTBOX_MAX_ATTEMPTS", 10)),
    outboxRetryBaseMs: integer(env, "OUTBOX_RETRY_BASE_MS", 1_000),
    segmentSweepInterval: optionalDuration(env, "SEGMENT_SWEEP_INTERVAL", "15m"),
    logLevel: env.LOG_LEVEL || "info",
  };
}
