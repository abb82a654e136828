// The SMTP connection pool every send goes through, and the headers that make marketing email
// unsubscribable from the mailbox itself (RFC 2369 List-Unsubscribe, RFC 8058 one-click).
import type { SendMailOptions, Transporter } from "nodemailer";
import nodemailer from "nodemailer";

export interface DkimKey {
  domainName: string;
  keySelector: string;
  /** PEM-encoded RSA private key. */
  privateKey: string;
}

export interface SmtpTransportOptions {
  /** smtp://host:port or smtps://user:pass@host:port; nodemailer parses it, query options included. */
  smtpUrl: string;
  pool: boolean;
  maxConnections: number;
  /** Caps messages per second across the pool (pooled transports only), for providers that throttle. */
  rateLimitPerSecond?: number;
  dkim?: DkimKey;
}

// nodemailer's default list omits List-Unsubscribe-Post, but RFC 8058 requires it signed: mailbox
// providers ignore a one-click header an intermediary could have added. Only fields present in a
// message end up in its signature.
const DKIM_SIGNED_HEADERS = [
  "From",
  "Sender",
  "Reply-To",
  "To",
  "Cc",
  "Subject",
  "Date",
  "Message-ID",
  "In-Reply-To",
  "References",
  "MIME-Version",
  "Content-Type",
  "Content-Transfer-Encoding",
  "List-Id",
  "List-Unsubscribe",
  "List-Unsubscribe-Post",
].join(":");

export function createSmtpTransport(options: SmtpTransportOptions): Transporter {
  return nodemailer.createTransport({
    url: options.smtpUrl,
    pool: options.pool,
    maxConnections: options.maxConnections,
    ...(options.rateLimitPerSecond ? { rateDelta: 1000, rateLimit: options.rateLimitPerSecond } : {}),
    ...(options.dkim ? { dkim: { ...options.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } } : {}),
    // Messages are rendered strings; nothing a template renders may make the transport read a local
    // file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    // Well inside the send activity's one-minute startToCloseTimeout (nodemailer waits up to 10 minutes
    // by default): a hung server fails the attempt here, before Temporal starts another attempt that
    // could send the same message while this one is still open.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

export type MarketingHeaders = Required<Pick<SendMailOptions, "list" | "headers">>;

/**
 * Spread into sendMail's options. `oneClickUrl` must accept an empty POST (RFC 8058); a mailto
 * address is offered as well for clients that only unsubscribe by email.
 */
export function buildMarketingHeaders(oneClickUrl: string, mailtoUnsubscribe?: string): MarketingHeaders {
  // A nested array makes nodemailer write one List-Unsubscribe header listing both, as RFC 2369 expects.
  const targets = mailtoUnsubscribe ? [oneClickUrl, mailtoUnsubscribe] : [oneClickUrl];
  return {
    list: { unsubscribe: [targets] },
    headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
  };
}
