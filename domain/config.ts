// Runtime configuration from the environment (DESIGN.md §4), with defaults that serve local use. Every
// variable is parsed by the one schema of domain/config/environment-variables.ts; this module adds
// the rules that span variables (DKIM, the previous link secret, Temporal TLS) and the shape the code
// uses. Pure: callers pass process.env, tests pass a literal.
import { ConfigError, type Environment, parseEnvironment } from "./config/environment-variables.ts";
import { parseSendingRules, type SendingRules } from "./sending/sending-rules.ts";
import {
  type TemporalConnectionSettings,
  TemporalSettingsError,
  temporalConnectionSettings,
} from "./temporal/temporal-connection-settings.ts";

export { ConfigError };

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
  /** The interface the API listens on; null: every interface. */
  host: string | null;
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
  /** WORKFLOW_BUNDLE_PATH: a workflow bundle written earlier, which the worker loads instead of bundling. */
  workflowBundlePath: string | null;
  /** The sequence worker's sticky cache: what bounds its memory however many runs sleep. */
  workerCachedRuns: number;
  /** FREQUENCY_CAP, QUIET_HOURS, DEFAULT_TIME_ZONE; PUT /v1/sending/rules overrides them. */
  sendingRules: SendingRules;
  /** host or host:port (lower case) webhooks may reach even though they resolve to a private address. */
  webhookAllowedHosts: string[];
  /** HMAC-SHA256 key of the X-Nurtureflow-Signature header of webhook requests. */
  webhookSigningSecret: string;
  /** HMAC-SHA256 key of the erased contacts' addresses kept on the suppression list (ERASURE_HASH_SECRET). */
  erasureHashSecret: string;
}

/** The public development value of LINK_SIGNING_SECRET: anyone can forge links signed with it. */
export const DEVELOPMENT_LINK_SIGNING_SECRET = "nurtureflow-local-development-secret";
export const DEVELOPMENT_WEBHOOK_SIGNING_SECRET = "nurtureflow-local-webhook-secret";
export const DEVELOPMENT_ERASURE_HASH_SECRET = "nurtureflow-local-erasure-secret";

function previousLinkSecret(env: Environment): NurtureflowConfig["linkSigningPrevious"] {
  const secret = env.LINK_SIGNING_SECRET_PREVIOUS;
  const until = env.LINK_SIGNING_SECRET_PREVIOUS_UNTIL;
  if (!secret) {
    if (until) throw new ConfigError("LINK_SIGNING_SECRET_PREVIOUS_UNTIL needs LINK_SIGNING_SECRET_PREVIOUS");
    return null;
  }
  return { secret, until: until ?? null };
}

function dkimSettings(env: Environment): DkimSettings | null {
  const { DKIM_DOMAIN: domainName, DKIM_SELECTOR: keySelector, DKIM_PRIVATE_KEY: pem } = env;
  const file = env.DKIM_PRIVATE_KEY_FILE;
  if (!domainName && !keySelector && !pem && !file) return null;
  if (!domainName || !keySelector || (!pem && !file)) {
    throw new ConfigError(
      "DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE together",
    );
  }
  if (pem && file) throw new ConfigError("set DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE, not both");
  return { domainName, keySelector, privateKey: pem ? { pem } : { file: file as string } };
}

function sendingRules(env: Environment): SendingRules {
  // Each variable was checked on its own; together they always parse.
  const parsed = parseSendingRules({
    frequencyCap: env.FREQUENCY_CAP,
    quietHours: env.QUIET_HOURS,
    defaultTimeZone: env.DEFAULT_TIME_ZONE,
  });
  if (!parsed.ok) throw new ConfigError(parsed.errors.map(({ error }) => error).join("; "));
  return parsed.value;
}

function temporalConnection(env: Record<string, string | undefined>): TemporalConnectionSettings {
  try {
    return temporalConnectionSettings(env);
  } catch (error) {
    if (error instanceof TemporalSettingsError) throw new ConfigError(error.message);
    throw error;
  }
}

export function parseConfig(variables: Record<string, string | undefined>): NurtureflowConfig {
  const env = parseEnvironment(variables);
  const ingestPerSecond = env.INGEST_RATE_LIMIT_PER_SECOND;
  return {
    databaseUrl: env.DATABASE_URL,
    temporalAddress: env.TEMPORAL_ADDRESS,
    temporalNamespace: env.TEMPORAL_NAMESPACE,
    temporalUiUrl: (env.TEMPORAL_UI_URL ?? "http://127.0.0.1:8233").replace(/\/+$/, ""),
    temporalConnection: temporalConnection(variables),
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    emailTaskQueue: env.TEMPORAL_EMAIL_TASK_QUEUE,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    senderPostalAddress: env.SENDER_POSTAL_ADDRESS,
    port: env.PORT,
    host: env.HOST ?? null,
    publicUrl: (env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/+$/, ""),
    apiKeys: env.API_KEYS ?? [],
    production: env.NODE_ENV === "production",
    linkSigningSecret: env.LINK_SIGNING_SECRET ?? DEVELOPMENT_LINK_SIGNING_SECRET,
    linkSigningPrevious: previousLinkSecret(env),
    defaultMarketingConsent: env.DEFAULT_MARKETING_CONSENT,
    ingestRateLimit:
      ingestPerSecond > 0
        ? { perSecond: ingestPerSecond, burst: (env.INGEST_RATE_LIMIT_BURST ?? ingestPerSecond * 10) || 1 }
        : null,
    trackerOrigins: env.TRACKER_ORIGINS ?? [],
    emailRateLimitPerSecond: env.EMAIL_RATE_LIMIT_PER_SECOND > 0 ? env.EMAIL_RATE_LIMIT_PER_SECOND : null,
    smtpMaxConnections: env.SMTP_MAX_CONNECTIONS,
    dkim: dkimSettings(env),
    emailTracking: env.EMAIL_TRACKING === "on",
    outboxPollMs: env.OUTBOX_POLL_MS,
    outboxMaxAttempts: env.OUTBOX_MAX_ATTEMPTS,
    outboxRetryBaseMs: env.OUTBOX_RETRY_BASE_MS,
    segmentSweepInterval: env.SEGMENT_SWEEP_INTERVAL,
    logLevel: env.LOG_LEVEL,
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH ?? null,
    workerCachedRuns: env.WORKER_CACHED_RUNS,
    sendingRules: sendingRules(env),
    webhookAllowedHosts: env.WEBHOOK_ALLOWED_HOSTS ?? [],
    webhookSigningSecret: env.WEBHOOK_SIGNING_SECRET ?? DEVELOPMENT_WEBHOOK_SIGNING_SECRET,
    erasureHashSecret: env.ERASURE_HASH_SECRET ?? DEVELOPMENT_ERASURE_HASH_SECRET,
  };
}
