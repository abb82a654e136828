// Sends one sequence email with an exactly-once effect: the send-ledger row (unique business key) is
// written before the send, the Message-ID is derived from it, and a retry that finds the row already
// sent does not send again.
//
// Whether an email is marketing (consent, suppression, unsubscribe headers) is decided by the category of
// the sequence the enrollment runs, never by the template: a caller cannot republish a marketing template
// as transactional to reach unsubscribed contacts. A transactional sequence may only send transactional
// templates; a marketing template there is refused before anything is written.
//
// A relay failure (credentials, TLS, no relay answering) is nobody's address's fault: the send stays
// pending and Temporal retries it with backoff, the relay is reported degraded (smtp-health.ts), and a
// marketing send still failing past its step's expiry is given up as expired rather than sent days late.
import { ApplicationFailure } from "@temporalio/common";
import type { SendMailOptions, Transporter } from "nodemailer";
import type { Logger } from "pino";
import { rewriteLinks } from "../../domain/email/link-rewriting.ts";
import { deriveMessageId } from "../../domain/email/message-id.ts";
import {
  classifySmtpFailure,
  redactAddresses,
  relayFailureKind,
  type SmtpFailure,
} from "../../domain/email/smtp-failure.ts";
import { type TemplateTrackers, templateSender } from "../../domain/email/template-data.ts";
import { receivesMarketing } from "../../domain/segments/segments.ts";
import { DEFAULT_SEND_EXPIRY } from "../../domain/sending/send-decision.ts";
import { durationMs } from "../../domain/sequences/duration.ts";
import { type ContactStore, sqlPool } from "../../prisma/client.ts";
import {
  erasedAddressKey,
  erasedAddressPads,
  suppressAddress,
  suppressionKey,
} from "../consent/suppression.ts";
import type { ApplySendingRulesInput, SendingRulesOutcome } from "../sending/send-decision-activity.ts";
import type { TrackingLinks } from "../tracking/tracking-links.ts";
import { withCommerceData } from "./commerce-template-data.ts";
import type { SendAttempt } from "./send-attempt.ts";
import { createSentMarks } from "./sent-marks.ts";
import type { SmtpHealth } from "./smtp-health.ts";
import { buildMarketingHeaders } from "./smtp-transport.ts";
import type { ResolvedTemplate, TemplateCatalog } from "./template-catalog.ts";
import type { UnsubscribeLinks } from "./unsubscribe-links.ts";

export interface SendSequenceEmailInput {
  ledgerKey: string;
  enrollmentId: string;
  stepId: string;
  contactId: string;
  templateKey: string;
  /** Step content and entry data (cart, order); the contact, sender and links are filled in here. */
  templateData: Record<string, unknown>;
  /** ISO instant the step first became due; absent (runs recorded earlier): its first attempt's schedule. */
  firstDueAt?: string;
  /** The step's expiry ("3d" by default): a marketing send not through by then is expired. */
  expiry?: string;
  /**
   * Apply the sending rules first (runs from "sending-rules-in-send" on): a deferral or an expiry is
   * this call's outcome and nothing is sent. `attempt` counts the step's deferrals so far.
   */
  sendingRules?: { attempt: number };
}

export type SendOutcome =
  | { status: "sent"; messageId: string }
  | { status: "already_sent"; messageId: string }
  | { status: "suppressed"; reason: string }
  | { status: "bounced"; messageId: string }
  | { status: "expired"; reason: string }
  | { status: "skipped"; reason: string }
  /** The sending rules put the send off until `until` (ISO 8601). */
  | { status: "deferred"; until: string; reason: string };

export interface SequenceEmailDependencies {
  store: ContactStore;
  transport: Transporter;
  templates: TemplateCatalog;
  unsubscribeLinks: UnsubscribeLinks;
  /** Open pixel and click redirects; null when tracking is off. */
  tracking: TrackingLinks | null;
  mailFrom: string;
  senderPostalAddress: string;
  /** Key of the hashed addresses erased contacts leave on the suppression list (ERASURE_HASH_SECRET). */
  erasureHashSecret: string;
  logger: Logger;
  /**
   * The Temporal attempt running the send (send-attempt.ts): its heartbeat (a worker that dies mid-send
   * stops heartbeating, so the attempt is retried within seconds) and the signal that aborts the SMTP
   * exchange when the attempt is cancelled or about to time out. Absent when called outside a worker.
   */
  attempt?: () => SendAttempt;
  /** Where relay failures and recoveries are reported; absent: not reported. */
  health?: SmtpHealth;
  /** The sending-rules decision (send-decision-activity.ts), for sends that ask for it. */
  applySendingRules?: (input: ApplySendingRulesInput) => Promise<SendingRulesOutcome>;
  now?: () => Date;
}

const HEARTBEAT_EVERY_MS = 2_000;

// Heartbeats for as long as the SMTP exchange lasts: a slow but live send must not look like a dead
// worker, or a second attempt would send while the first is still talking to the server.
async function whileHeartbeating<T>(attempt: SendAttempt | undefined, work: () => Promise<T>): Promise<T> {
  if (!attempt) return work();
  attempt.heartbeat();
  const timer = setInterval(() => attempt.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Commits the statement it is part of without waiting for the WAL flush (`synchronous_commit` off for
 * that transaction only). For the claim and a retry's attempt count: the sent mark commits
 * synchronously (sent-marks.ts), and flushing its commit record flushes every earlier one, so both are
 * durable before a send counts as sent. A database crash before that loses no more than a crash before
 * those statements would: the retry claims again and sends, as it would anyway, and the attempt count
 * is one lower.
 */
const RELAX_COMMIT = "set_config('synchronous_commit', 'off', true)";

const FINAL_LEDGER_STATES = new Set(["sent", "bounced", "suppressed", "expired"]);
export const MARKETING_TEMPLATE_IN_TRANSACTIONAL_SEQUENCE =
  "a transactional sequence may only send transactional templates";
const NO_ADDRESS: SendOutcome = { status: "skipped", reason: "contact has no email address" };

/**
 * The sequence's category, the contact (null fields when there is none), its send-ledger row (null
 * when there is no address or the send is refused) and its suppression entry.
 */
interface ClaimRow {
  category: string | null;
  id: string | null;
  email: string | null;
  name: string | null;
  properties: unknown;
  marketingConsent: boolean;
  unsubscribedAt: Date | null;
  segment: string;
  /** int8, as pg returns it. */
  ledgerId: string | null;
  /** The row is this claim's own: inserted with this attempt already counted. */
  counted: boolean | null;
  status: string | null;
  messageId: string | null;
  error: string | null;
  suppressionKey: string | null;
  suppressedReason: string | null;
}

export function createSequenceEmailActivities(deps: SequenceEmailDependencies) {
  const { store, transport, templates, logger } = deps;
  const pool = sqlPool(store);
  const markSent = createSentMarks(pool);
  const now = deps.now ?? (() => new Date());

  function expiryReason(input: SendSequenceEmailInput, attempt: SendAttempt | undefined): string | null {
    const due = input.firstDueAt ? new Date(input.firstDueAt) : (attempt?.firstScheduledAt ?? null);
    if (!due) return null;
    const expiry = input.expiry ?? DEFAULT_SEND_EXPIRY;
    if (now().getTime() <= due.getTime() + durationMs(expiry)) return null;
    return `not sent within ${expiry} of ${due.toISOString()}, when it was due`;
  }
  const { domain: senderDomain, ...sender } = templateSender(deps.mailFrom, deps.senderPostalAddress);
  const erasedPads = erasedAddressPads(deps.erasureHashSecret);

  async function resolveTemplate(input: SendSequenceEmailInput): Promise<ResolvedTemplate | null> {
    try {
      return await templates.resolve(input.templateKey);
    } catch (error) {
      // A contact without an address is skipped whatever its template, as when the contact came first.
      const contact = await store.contact.findUnique({
        where: { id: input.contactId },
        select: { email: true },
      });
      if (!contact?.email) return null;
      throw error;
    }
  }

  // One round trip through the store's pg pool (Prisma's per-query cost made the send path slow,
  // BENCHMARKS.md, "Email delivery"), a prepared statement each connection plans once: the category
  // of the sequence the enrollment runs, the contact and its suppression entry, and the ledger row
  // inserted before any send, with its first attempt counted (a retry gets the existing row, uncounted).
  // The version an enrollment runs is immutable, so its category never changes under a run; a send that
  // belongs to no enrollment counts as marketing. A marketing template in a transactional sequence is
  // refused before anything is written: the insert is conditional on it.
  async function claim(input: SendSequenceEmailInput, template: ResolvedTemplate): Promise<ClaimRow> {
    const messageId = deriveMessageId(input.ledgerKey, senderDomain);
    const { rows } = await pool.query<ClaimRow>({
      name: "send-ledger-claim",
      text: `WITH relaxed AS (SELECT ${RELAX_COMMIT}), sequence AS (
        SELECT v.definition->>'category' AS category
        FROM "Enrollment" e
        JOIN "SequenceVersion" v ON v."sequenceKey" = e."sequenceKey" AND v.version = e."sequenceVersion"
        WHERE e.id = $3::text
      ), contact AS (
        SELECT id, email, name, properties, "marketingConsent", "unsubscribedAt", segment
        FROM "Contact" WHERE id = $1::uuid
      ), inserted AS (
        INSERT INTO "SendLedger"
          ("businessKey", "enrollmentId", "stepId", "contactId", "templateKey", "templateVersion", "toAddress", "messageId", attempts)
        SELECT $2::text, $3::text, $4::text, id, $5::text, $6::int, email, $7::text, 1
        FROM contact
        WHERE email IS NOT NULL
          AND NOT ($8::text <> 'transactional' AND (SELECT category FROM sequence) IS NOT DISTINCT FROM 'transactional')
        ON CONFLICT DO NOTHING
        RETURNING id, true AS counted, status, "messageId", error
      ), ledger AS (
        SELECT id, counted, status, "messageId", error FROM inserted
        UNION ALL
        SELECT id, false, status, "messageId", error FROM "SendLedger"
        WHERE "businessKey" = $2::text AND NOT EXISTS (SELECT 1 FROM inserted)
      )
      SELECT (SELECT category FROM sequence) AS category,
        c.id::text AS id, c.email, c.name, c.properties, c."marketingConsent", c."unsubscribedAt", c.segment,
        l.id::text AS "ledgerId", l.counted, l.status, l."messageId", l.error,
        lower(btrim(c.email)) AS "suppressionKey",
        (SELECT s.reason FROM "Suppression" s
         WHERE s.email IN (
           lower(btrim(c.email)),
           'erased:' || encode(sha256(decode($9::text, 'hex') ||
             sha256(decode($10::text, 'hex') || convert_to(lower(btrim(c.email)), 'UTF8'))), 'hex'))
         LIMIT 1) AS "suppressedReason"
      FROM relaxed
      LEFT JOIN contact c ON true
      LEFT JOIN ledger l ON c.email IS NOT NULL`,
      values: [
        input.contactId,
        input.ledgerKey,
        input.enrollmentId,
        input.stepId,
        template.key,
        template.version,
        messageId,
        template.category,
        erasedPads.outer,
        erasedPads.inner,
      ],
    });
    return rows[0] as ClaimRow;
  }

  return {
    async sendSequenceEmail(input: SendSequenceEmailInput): Promise<SendOutcome> {
      if (input.sendingRules) {
        if (!deps.applySendingRules)
          throw new Error("this email worker was started without the sending rules");
        const decision = await deps.applySendingRules({
          contactId: input.contactId,
          enrollmentId: input.enrollmentId,
          stepId: input.stepId,
          attempt: input.sendingRules.attempt,
          category: "marketing",
          firstDueAt: input.firstDueAt ?? now().toISOString(),
          ...(input.expiry ? { expiry: input.expiry } : {}),
        });
        if (decision.action === "defer")
          return { status: "deferred", until: decision.until, reason: decision.reason };
        if (decision.action === "expire") return { status: "expired", reason: decision.reason };
      }
      const template = await resolveTemplate(input);
      if (!template) return NO_ADDRESS;
      const claimed = await claim(input, template);
      const category = claimed.category === "transactional" ? "transactional" : "marketing";
      if (category === "transactional" && template.category !== "transactional") {
        logger.warn(
          { enrollmentId: input.enrollmentId, templateKey: template.key },
          "refused: a transactional sequence may only send transactional templates",
        );
        return { status: "skipped", reason: MARKETING_TEMPLATE_IN_TRANSACTIONAL_SEQUENCE };
      }
      if (!claimed.id || !claimed.email) return NO_ADDRESS;
      const contact = { ...claimed, id: claimed.id, email: claimed.email };
      const ledger =
        claimed.ledgerId !== null && claimed.status !== null && claimed.messageId !== null
          ? {
              id: BigInt(claimed.ledgerId),
              counted: claimed.counted === true,
              status: claimed.status,
              messageId: claimed.messageId,
              error: claimed.error,
            }
          : {
              // A concurrent attempt inserted the row after this statement's snapshot was taken.
              ...(await store.sendLedger.findUniqueOrThrow({ where: { businessKey: input.ledgerKey } })),
              counted: false,
            };
      if (ledger.status === "sent") return { status: "already_sent", messageId: ledger.messageId };
      if (FINAL_LEDGER_STATES.has(ledger.status)) {
        if (ledger.status === "bounced") return { status: "bounced", messageId: ledger.messageId };
        if (ledger.status === "expired") return { status: "expired", reason: ledger.error ?? "expired" };
        return { status: "suppressed", reason: ledger.error ?? "suppressed" };
      }
      const attempt = deps.attempt?.();

      // The claim counted its own row's attempt before knowing the send goes ahead; a refused send
      // made no attempt, so it is uncounted in the same write that closes the row.
      const refuse = (status: "suppressed" | "expired", reason: string) =>
        store.sendLedger.update({
          where: { id: ledger.id },
          data: { status, error: reason, ...(ledger.counted ? { attempts: { decrement: 1 } } : {}) },
        });
      const marketing = category === "marketing";
      if (marketing) {
        // The list is keyed the JavaScript way; an address PostgreSQL lower-cases differently is looked up again.
        const suppressed =
          claimed.suppressionKey === suppressionKey(contact.email)
            ? claimed.suppressedReason
            : ((
                await store.suppression.findFirst({
                  where: {
                    email: {
                      in: [
                        suppressionKey(contact.email),
                        erasedAddressKey(deps.erasureHashSecret, contact.email),
                      ],
                    },
                  },
                })
              )?.reason ?? null);
        const reason = suppressed
          ? `suppressed: ${suppressed}`
          : contact.unsubscribedAt || !contact.marketingConsent
            ? "no marketing consent"
            : receivesMarketing(contact.segment)
              ? null
              : `segment ${contact.segment}: no marketing until they interact`;
        if (reason) {
          await refuse("suppressed", reason);
          return { status: "suppressed", reason };
        }
        // Transactional sends are exempt from expiry, as from the other sending rules.
        const expired = expiryReason(input, attempt);
        if (expired) {
          await refuse("expired", expired);
          logger.warn({ ledgerKey: input.ledgerKey }, `send expired: ${expired}`);
          return { status: "expired", reason: expired };
        }
      }

      const unsubscribeUrl = deps.unsubscribeLinks.pageUrl(contact.id);
      const ledgerId = String(ledger.id);
      const trackers: TemplateTrackers = deps.tracking
        ? { openPixelUrl: deps.tracking.openPixelUrl(ledgerId) }
        : {};
      const rendered = template.compiled.render({
        ...(await withCommerceData(store, contact.id, input.templateData)),
        contact: {
          email: contact.email,
          name: contact.name ?? "",
          firstName: (contact.name ?? "").split(/\s+/)[0] ?? "",
          properties: contact.properties as Record<string, unknown>,
        },
        sender,
        unsubscribeUrl,
        trackers,
      });
      const { tracking } = deps;
      const html = tracking
        ? rewriteLinks(rendered.html, (url) =>
            url === unsubscribeUrl ? null : tracking.clickUrl(ledgerId, url),
          )
        : rendered.html;
      // Counted before the SMTP exchange, so an attempt that dies in it still counts; a new row's first
      // attempt was counted by the claim, which saves the hot path a statement (BENCHMARKS.md, "Email
      // delivery"). The subject is recorded with the outcome.
      if (!ledger.counted)
        await pool.query(
          `UPDATE "SendLedger" SET attempts = attempts + 1 WHERE id = $1::bigint AND ${RELAX_COMMIT} IS NOT NULL`,
          [ledgerId],
        );
      const to = contact.email;
      try {
        const marketingHeaders = marketing
          ? buildMarketingHeaders(deps.unsubscribeLinks.oneClickUrl(contact.id))
          : {};
        // nodemailer fails the send and closes its connection when the signal aborts.
        const signal = attempt?.signal;
        await whileHeartbeating(attempt, () =>
          transport.sendMail({
            from: deps.mailFrom,
            to,
            subject: rendered.subject,
            html,
            text: rendered.text,
            messageId: ledger.messageId,
            ...marketingHeaders,
            ...(signal ? { signal } : {}),
          } as SendMailOptions),
        );
      } catch (error) {
        if (attempt?.signal.aborted) {
          // Cancelled or out of time: Temporal no longer waits for this attempt; the next one decides.
          throw ApplicationFailure.create({ message: "SMTP exchange aborted", type: "SmtpSendAborted" });
        }
        const failure = classifySmtpFailure(error as SmtpFailure);
        if (failure === "permanent") {
          await store.$transaction(async (tx) => {
            await tx.sendLedger.update({
              where: { id: ledger.id },
              data: { status: "bounced", subject: rendered.subject, error: String(error).slice(0, 500) },
            });
            await suppressAddress(tx, to, "hard_bounce", String(error));
          });
          logger.warn({ ledgerKey: input.ledgerKey }, "permanent SMTP failure: address suppressed");
          return { status: "bounced", messageId: ledger.messageId };
        }
        await store.sendLedger.update({
          where: { id: ledger.id },
          data: { subject: rendered.subject, error: String(error).slice(0, 500) },
        });
        // Retried by the activity's retry policy; what Temporal records and logs names no address.
        const { responseCode, code } = error as SmtpFailure;
        const relayKind = relayFailureKind(error as SmtpFailure);
        if (relayKind)
          await deps.health?.relayFailed(relayKind, error instanceof Error ? error.message : String(error));
        throw ApplicationFailure.create({
          message: redactAddresses(error instanceof Error ? error.message : String(error)),
          type: "SmtpTransientFailure",
          details: [{ responseCode: responseCode ?? null, code: code ?? null }],
        });
      }
      await markSent({ ledgerId, subject: rendered.subject, sentAt: new Date() });
      await deps.health?.sent();
      logger.info({ ledgerKey: input.ledgerKey, messageId: ledger.messageId }, "email sent");
      return { status: "sent", messageId: ledger.messageId };
    },
  };
}

export type SequenceEmailActivities = ReturnType<typeof createSequenceEmailActivities>;
