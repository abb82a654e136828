// Runtime configuration from the environment (DESIGN.md §4), with defaults that serve local use.
// Pure: callers pass process.env, tests pass a literal.
import { parseSendingRules, type SendingRules } from "./sending/sending-rules.ts";
import { parseDuration } from "./sequences/duration.ts";
import {
  type TemporalConnectionSettings,
  temporalConnectionSettings,
} from "./temporal/temporal-connection-settings.ts";

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
  /** TEMPORAL_UI_URL: the Temporal Web UI that enrollment links point into. */
  temporalUiUrl: string;
  /** TLS and API key for Temporal Cloud or a remote cluster; plain TCP for the local dev server. */
  temporalConnection: TemporalConnectionSettings;
  taskQueue: string;
  emailTaskQueue: string;
  smtpUrl: string;
  mailFrom: string;
  /** Commercial email must show the sender's postal address (CAN-SPAM, CASL). */
  senderPostalAddress: string;
  port: number;
  publicUrl: string;
  apiKeys: string[];
  /** NODE_ENV=production: the API and worker refuse to start without keys or with development secrets. */
  production: boolean;
  /** Origins whose pages may send to the tracking API from a browser (nf.js); none: no browser. */
  trackerOrigins: string[];
  /** Secret for signed unsubscribe and tracking links. */
  linkSigningSecret: string;
  /** The secret before the last rotation: links signed with it keep working until `until` (null: while set). */
  linkSigningPrevious: { secret: string; until: Date | null } | null;
  /** marketingConsent of a new contact when the caller does not say (DEFAULT_MARKETING_CONSENT). */
  defaultMarketingConsent: boolean;
  /** Token bucket per API key on the ingest routes (events); null: unlimited. */
  ingestRateLimit: { perSecond: number; burst: number } | null;
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
  /** FREQUENCY_CAP, QUIET_HOURS, DEFAULT_TIME_ZONE; PUT /v1/sending/rules overrides them. */
  sendingRules: SendingRules;
  /** host or host:port (lower case) webhooks may reach even though they resolve to a private address. */
  webhookAllowedHosts: string[];
  /** HMAC-SHA256 key of the X-Nurtureflow-Signature header of webhook requests. */
  webhookSigningSecret: string;
}

export class ConfigError extends Error {}

/** The public development value of LINK_SIGNING_SECRET: anyone can forge links signed with it. */
export const DEVELOPMENT_LINK_SIGNING_SECRET = "nurtureflow-local-development-secret";

function trueFalse(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new ConfigError(`${name} must be true or false`);
}

function previousLinkSecret(
  env: Record<string, string | undefined>,
): NurtureflowConfig["linkSigningPrevious"] {
  const secret = env.LINK_SIGNING_SECRET_PREVIOUS?.trim();
  const untilRaw = env.LINK_SIGNING_SECRET_PREVIOUS_UNTIL?.trim();
  if (!secret) {
    if (untilRaw)
      throw new ConfigError("LINK_SIGNING_SECRET_PREVIOUS_UNTIL needs LINK_SIGNING_SECRET_PREVIOUS");
    return null;
  }
  if (!untilRaw) return { secret, until: null };
  const until = new Date(untilRaw);
  if (Number.isNaN(until.getTime())) {
    throw new ConfigError("LINK_SIGNING_SECRET_PREVIOUS_UNTIL must be a date such as 2027-06-01");
  }
  return { secret, until };
}

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

function sendingRules(env: Record<string, string | undefined>): SendingRules {
  const parsed = parseSendingRules({
    frequencyCap: env.FREQUENCY_CAP?.trim() || "off",
    quietHours: env.QUIET_HOURS?.trim() || "off",
    defaultTimeZone: env.DEFAULT_TIME_ZONE?.trim() || "UTC",
  });
  if (parsed.ok) return parsed.value;
  const variable = {
    frequencyCap: "FREQUENCY_CAP",
    quietHours: "QUIET_HOURS",
    defaultTimeZone: "DEFAULT_TIME_ZONE",
  };
  throw new ConfigError(parsed.errors.map(({ field, error }) => `${variable[field]}: ${error}`).join("; "));
}

export function parseConfig(env: Record<string, string | undefined>): NurtureflowConfig {
  const port = integer(env, "PORT", 3000);
  const rate = integer(env, "EMAIL_RATE_LIMIT_PER_SECOND", 0);
  const ingestPerSecond = integer(env, "INGEST_RATE_LIMIT_PER_SECOND", 100);
  return {
    databaseUrl: env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/nurtureflow",
    temporalAddress: env.TEMPORAL_ADDRESS || "127.0.0.1:7233",
    temporalNamespace: env.TEMPORAL_NAMESPACE || "default",
    // The dev server's UI port (temporal server start-dev --ui-port 8233).
    temporalUiUrl: (env.TEMPORAL_UI_URL || "http://127.0.0.1:8233").replace(/\/+$/, ""),
    temporalConnection: temporalConnectionSettings(env),
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
    production: env.NODE_ENV === "production",
    linkSigningSecret: env.LINK_SIGNING_SECRET || DEVELOPMENT_LINK_SIGNING_SECRET,
    linkSigningPrevious: previousLinkSecret(env),
    defaultMarketingConsent: trueFalse(env, "DEFAULT_MARKETING_CONSENT", false),
    ingestRateLimit:
      ingestPerSecond > 0
        ? {
            perSecond: ingestPerSecond,
            burst: integer(env, "INGEST_RATE_LIMIT_BURST", ingestPerSecond * 10) || 1,
          }
        : null,
    trackerOrigins: (env.TRACKER_ORIGINS ?? "")
      .split(",")
      .map((origin) => origin.trim().replace(/\/+$/, ""))
      .filter(Boolean),
    emailRateLimitPerSecond: rate > 0 ? rate : null,
    smtpMaxConnections: integer(env, "SMTP_MAX_CONNECTIONS", 5),
    dkim: dkimSettings(env),
    emailTracking: onOff(env, "EMAIL_TRACKING", false),
    outboxPollMs: integer(env, "OUTBOX_POLL_MS", 500),
    outboxMaxAttempts: Math.max(1, integer(env, "OUTBOX_MAX_ATTEMPTS", 10)),
    outboxRetryBaseMs: integer(env, "OUTBOX_RETRY_BASE_MS", 1_000),
    segmentSweepInterval: optionalDuration(env, "SEGMENT_SWEEP_INTERVAL", "15m"),
    logLevel: env.LOG_LEVEL || "info",
    sendingRules: sendingRules(env),
    webhookAllowedHosts: (env.WEBHOOK_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    webhookSigningSecret: env.WEBHOOK_SIGNING_SECRET || "nurtureflow-local-webhook-secret",
  };
}
