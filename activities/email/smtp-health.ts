// The SMTP relay's health as the email workers meet it, kept in the database (ServiceHealth row
// "smtp", SmtpFailureCount per kind) because the API process answers /healthz and /metrics.
//
// A relay failure (credentials, TLS, nobody answering) marks the relay degraded at once, with one
// error line from the worker whose write turned the row degraded; the first send that goes through
// marks it ok again. A healthy worker does not write on every send: it looks at the row
// only after it met a failure itself, or at most every RECHECK_MS, in case another worker left it
// degraded.
import type { Logger } from "pino";
import { type RelayFailureKind, redactAddresses } from "../../domain/email/smtp-failure.ts";
import type { ContactStore } from "../../prisma/client.ts";

export const SMTP_COMPONENT = "smtp";
const RECHECK_MS = 15_000;

export interface SmtpHealth {
  relayFailed(kind: RelayFailureKind, message: string): Promise<void>;
  sent(): Promise<void>;
}

export function createSmtpHealth(
  store: ContactStore,
  logger: Logger,
  now: () => number = Date.now,
): SmtpHealth {
  let failedSinceRecovery = false;
  let nextRecheck = 0;
  return {
    async relayFailed(kind, message) {
      failedSinceRecovery = true;
      // /healthz is public: the row names the kind only; the relay's own words go to the log.
      const detail = kind;
      const [row] = await store.$queryRaw<Array<{ wasDegraded: boolean; failures: number }>>`
        WITH previous AS (SELECT status FROM "ServiceHealth" WHERE component = ${SMTP_COMPONENT})
        INSERT INTO "ServiceHealth" (component, status, detail, failures, since, "updatedAt")
        VALUES (${SMTP_COMPONENT}, 'degraded', ${detail}, 1, now(), now())
        ON CONFLICT (component) DO UPDATE SET status = 'degraded', detail = EXCLUDED.detail,
          failures = "ServiceHealth".failures + 1, "updatedAt" = now(),
          since = CASE WHEN "ServiceHealth".status = 'degraded' THEN "ServiceHealth".since ELSE now() END
        RETURNING (SELECT status = 'degraded' FROM previous) IS TRUE AS "wasDegraded", failures`;
      await store.$executeRaw`
        INSERT INTO "SmtpFailureCount" (kind, total, "lastAt") VALUES (${kind}, 1, now())
        ON CONFLICT (kind) DO UPDATE SET total = "SmtpFailureCount".total + 1, "lastAt" = now()`;
      if (!row?.wasDegraded) {
        logger.error(
          { component: SMTP_COMPONENT, kind },
          `SMTP relay failing (${kind}: ${redactAddresses(message).slice(0, 300)}): sends stay pending and are retried; nobody is suppressed. Check SMTP_URL, its credentials and TLS`,
        );
      }
    },
    async sent() {
      if (!failedSinceRecovery && now() < nextRecheck) return;
      failedSinceRecovery = false;
      nextRecheck = now() + RECHECK_MS;
      const recovered = await store.$queryRaw<Array<{ failures: number; since: Date }>>`
        WITH previous AS (SELECT failures, since FROM "ServiceHealth" WHERE component = ${SMTP_COMPONENT} AND status = 'degraded')
        UPDATE "ServiceHealth" SET status = 'ok', detail = NULL, failures = 0, since = now(), "updatedAt" = now()
        WHERE component = ${SMTP_COMPONENT} AND status = 'degraded'
        RETURNING (SELECT failures FROM previous) AS failures, (SELECT since FROM previous) AS since`;
      const [outage] = recovered;
      if (outage) {
        logger.warn(
          { component: SMTP_COMPONENT, failures: outage.failures, degradedSince: outage.since },
          "SMTP relay recovered: sends go through again",
        );
      }
    },
  };
}
