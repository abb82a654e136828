// Sends one sequence email with an exactly-once effect: the send-ledger row (unique business key) is
// written before the send, the Message-ID is derived from it, and a retry that finds the row already
// sent does not send again.
import { ApplicationFailure } from "@temporalio/common";
import type { Transporter } from "nodemailer";
import type { Logger } from "pino";
import { rewriteLinks } from "../../domain/email/link-rewriting.ts";
import { deriveMessageId } from "../../domain/email/message-id.ts";
import { classifySmtpFailure, redactAddresses, type SmtpFailure } from "../../domain/email/smtp-failure.ts";
import { type TemplateTrackers, templateSender } from "../../domain/email/template-data.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { suppressAddress, suppressionKey } from "../consent/suppression.ts";
import type { TrackingLinks } from "../tracking/tracking-links.ts";
import { buildMarketingHeaders } from "./smtp-transport.ts";
import type { TemplateCatalog } from "./template-catalog.ts";
import type { UnsubscribeLinks } from "./unsubscribe-links.ts";

export interface SendSequenceEmailInput {
  ledgerKey: string;
  enrollmentId: string;
  stepId: string;
  contactId: string;
  templateKey: string;
  /** Step content and entry data (cart, order); the contact, sender and links are filled in here. */
  templateData: Record<string, unknown>;
}

export type SendOutcome =
  | { status: "sent"; messageId: string }
  | { status: "already_sent"; messageId: string }
  | { status: "suppressed"; reason: string }
  | { status: "bounced"; messageId: string }
  | { status: "skipped"; reason: string };

export interface SequenceEmailDependencies {
  store: ContactStore;
  transport: Transporter;
  templates: TemplateCatalog;
  unsubscribeLinks: UnsubscribeLinks;
  /** Open pixel and click redirects; null when tracking is off. */
  tracking: TrackingLinks | null;
  mailFrom: string;
  senderPostalAddress: string;
  logger: Logger;
  /**
   * Tells Temporal the attempt is alive (the activity's heartbeat). A worker that dies mid-send stops
   * heartbeating, so the attempt times out and is retried within seconds, not after startToCloseTimeout.
   */
  heartbeat?: () => void;
}

const HEARTBEAT_EVERY_MS = 2_000;

// Heartbeats for as long as the SMTP exchange lasts: a slow but live send must not look like a dead
// worker, or a second attempt would send while the first is still talking to the server.
async function whileHeartbeating<T>(heartbeat: (() => void) | undefined, work: () => Promise<T>): Promise<T> {
  if (!heartbeat) return work();
  heartbeat();
  const timer = setInterval(heartbeat, HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

const FINAL_LEDGER_STATES = new Set(["sent", "bounced", "suppressed"]);

export function createSequenceEmailActivities(deps: SequenceEmailDependencies) {
  const { store, transport, templates, logger } = deps;
  const { domain: senderDomain, ...sender } = templateSender(deps.mailFrom, deps.senderPostalAddress);

  return {
    async sendSequenceEmail(input: SendSequenceEmailInput): Promise<SendOutcome> {
      const contact = await store.contact.findUnique({ where: { id: input.contactId } });
      if (!contact?.email) return { status: "skipped", reason: "contact has no email address" };
      const template = await templates.resolve(input.templateKey);

      // The first attempt inserts and gets the row in one statement; a retry finds the existing row.
      const [inserted] = await store.sendLedger.createManyAndReturn({
        data: {
          businessKey: input.ledgerKey,
          enrollmentId: input.enrollmentId,
          stepId: input.stepId,
          contactId: contact.id,
          templateKey: template.key,
          templateVersion: template.version,
          toAddress: contact.email,
          messageId: deriveMessageId(input.ledgerKey, senderDomain),
        },
        skipDuplicates: true,
      });
      const ledger =
        inserted ?? (await store.sendLedger.findUniqueOrThrow({ where: { businessKey: input.ledgerKey } }));
      if (ledger.status === "sent") return { status: "already_sent", messageId: ledger.messageId };
      if (FINAL_LEDGER_STATES.has(ledger.status)) {
        return ledger.status === "bounced"
          ? { status: "bounced", messageId: ledger.messageId }
          : { status: "suppressed", reason: ledger.error ?? "suppressed" };
      }

      const marketing = template.category === "marketing";
      if (marketing) {
        const suppressed = await store.suppression.findUnique({
          where: { email: suppressionKey(contact.email) },
        });
        const reason = suppressed
          ? `suppressed: ${suppressed.reason}`
          : contact.unsubscribedAt || !contact.marketingConsent
            ? "no marketing consent"
            : null;
        if (reason) {
          await store.sendLedger.update({
            where: { id: ledger.id },
            data: { status: "suppressed", error: reason },
          });
          return { status: "suppressed", reason };
        }
      }

      const unsubscribeUrl = deps.unsubscribeLinks.pageUrl(contact.id);
      const ledgerId = String(ledger.id);
      const trackers: TemplateTrackers = deps.tracking
        ? { openPixelUrl: deps.tracking.openPixelUrl(ledgerId) }
        : {};
      const rendered = template.compiled.render({
        ...input.templateData,
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
      await store.sendLedger.update({
        where: { id: ledger.id },
        data: { attempts: { increment: 1 }, subject: rendered.subject },
      });
      const to = contact.email;
      try {
        const marketingHeaders = marketing
          ? buildMarketingHeaders(deps.unsubscribeLinks.oneClickUrl(contact.id))
          : {};
        await whileHeartbeating(deps.heartbeat, () =>
          transport.sendMail({
            from: deps.mailFrom,
            to,
            subject: rendered.subject,
            html,
            text: rendered.text,
            messageId: ledger.messageId,
            ...marketingHeaders,
          }),
        );
      } catch (error) {
        const failure = classifySmtpFailure(error as SmtpFailure);
        if (failure === "permanent") {
          await store.$transaction(async (tx) => {
            await tx.sendLedger.update({
              where: { id: ledger.id },
              data: { status: "bounced", error: String(error).slice(0, 500) },
            });
            await suppressAddress(tx, to, "hard_bounce", String(error));
          });
          logger.warn({ ledgerKey: input.ledgerKey }, "permanent SMTP failure: address suppressed");
          return { status: "bounced", messageId: ledger.messageId };
        }
        await store.sendLedger.update({
          where: { id: ledger.id },
          data: { error: String(error).slice(0, 500) },
        });
        // Retried by the activity's retry policy; what Temporal records and logs names no address.
        const { responseCode, code } = error as SmtpFailure;
        throw ApplicationFailure.create({
          message: redactAddresses(error instanceof Error ? error.message : String(error)),
          type: "SmtpTransientFailure",
          details: [{ responseCode: responseCode ?? null, code: code ?? null }],
        });
      }
      await store.sendLedger.update({
        where: { id: ledger.id },
        data: { status: "sent", sentAt: new Date() },
      });
      logger.info({ ledgerKey: input.ledgerKey, messageId: ledger.messageId }, "email sent");
      return { status: "sent", messageId: ledger.messageId };
    },
  };
}

export type SequenceEmailActivities = ReturnType<typeof createSequenceEmailActivities>;
