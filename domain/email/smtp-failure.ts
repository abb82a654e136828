// Whether retrying a failed send can succeed. A permanent failure ends the send (the ledger records a
// bounce and the address is suppressed); a transient one is retried by the activity's retry policy, which
// is safe because the send ledger keeps a retry from sending twice.

export type SmtpFailureKind = "permanent" | "transient";

/** The fields nodemailer sets on the errors it reports; every one is optional. */
export interface SmtpFailure {
  responseCode?: number;
  code?: string;
  permanent?: boolean;
  message?: string;
  /** The SMTP step that failed; "CONN" while connecting and greeting. */
  command?: string;
}

// Credentials and TLS are our configuration, not a property of the message or the recipient: the same
// message goes through once the operator fixes them, so these stay transient even when the server
// answered 5xx (535 for bad credentials) and must never suppress the recipient.
const CONFIGURATION_CODES = new Set(["EAUTH", "ENOAUTH", "EOAUTH2", "ETLS", "EREQUIRETLS", "ECONFIG"]);

// Failures nodemailer raises before the server says anything, caused by the message itself (no valid
// recipient, content it may not read): sending the same message again fails the same way.
const MESSAGE_CODES = new Set(["EENVELOPE", "EMAXRECIPIENTS", "EOTP", "EFILEACCESS", "EURLACCESS"]);

// 503 is "bad sequence of commands": a protocol hiccup on this connection, not a verdict on the message.
const BAD_SEQUENCE = 503;

export function classifySmtpFailure(failure: SmtpFailure): SmtpFailureKind {
  if (failure.code !== undefined && CONFIGURATION_CODES.has(failure.code)) return "transient";
  // nodemailer derives `permanent` from the reply class itself; trust it when present.
  if (failure.permanent !== undefined) return failure.permanent ? "permanent" : "transient";
  if (failure.responseCode !== undefined) {
    const permanentReply =
      failure.responseCode >= 500 && failure.responseCode < 600 && failure.responseCode !== BAD_SEQUENCE;
    return permanentReply ? "permanent" : "transient";
  }
  if (failure.code !== undefined && MESSAGE_CODES.has(failure.code)) return "permanent";
  // Connection refused, timeouts, dropped sockets, DNS and anything unknown: worth another attempt.
  return "transient";
}

/**
 * A failure of the relay itself (our credentials, its TLS, or no relay answering), which no recipient
 * caused and every send meets until an operator acts: `/healthz` says degraded while it lasts.
 */
export type RelayFailureKind = "auth" | "tls" | "connection" | "config";

const RELAY_CODES: Readonly<Record<string, RelayFailureKind>> = {
  EAUTH: "auth",
  ENOAUTH: "auth",
  EOAUTH2: "auth",
  ETLS: "tls",
  EREQUIRETLS: "tls",
  ECONFIG: "config",
  ECONNECTION: "connection",
  ECONNREFUSED: "connection",
  EDNS: "connection",
};
// Node's certificate verdicts, as nodemailer passes them on.
const CERTIFICATE_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/;
const UNREACHABLE = /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/;

/** The relay failure this is, or null when it concerns one message or recipient (or is unknown). */
export function relayFailureKind(failure: SmtpFailure): RelayFailureKind | null {
  const byCode = failure.code === undefined ? undefined : RELAY_CODES[failure.code];
  if (byCode) return byCode;
  if (failure.code !== undefined && CERTIFICATE_CODE.test(failure.code)) return "tls";
  // Connecting or greeting failed (refused, timed out, no such host): nobody answered for the relay.
  if (failure.command === "CONN" && failure.responseCode === undefined) return "connection";
  if (failure.message !== undefined && UNREACHABLE.test(failure.message)) return "connection";
  return null;
}

// Replies often quote the recipient ("550 <ann@example.com>: no such user"); logs and Temporal histories
// must not hold addresses.
const ADDRESS = /[^\s<>"'@]+@[^\s<>"']+/g;

export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, "<address>");
}
