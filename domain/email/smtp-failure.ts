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

// Replies often quote the recipient ("550 <ann@example.com>: no such user"); logs and Temporal histories
// must not hold addresses.
const ADDRESS = /[^\s<>"'@]+@[^\s<>"']+/g;

export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, "<address>");
}
