import { describe, expect, it } from "vitest";
import {
  classifySmtpFailure,
  redactAddresses,
  relayFailureKind,
  type SmtpFailure,
} from "../../../domain/email/smtp-failure.ts";

describe("classifySmtpFailure", () => {
  it.each<[string, SmtpFailure]>([
    ["a 550 mailbox unavailable", { responseCode: 550, code: "EENVELOPE" }],
    ["a 554 rejected message", { responseCode: 554, code: "EMESSAGE" }],
    ["nodemailer's permanent flag", { permanent: true, code: "EENVELOPE" }],
    [
      "an envelope nodemailer rejected before sending",
      { code: "EENVELOPE", message: "No recipients defined" },
    ],
    ["too many recipients", { code: "EMAXRECIPIENTS" }],
  ])("%s is permanent", (_, failure) => {
    expect(classifySmtpFailure(failure)).toBe("permanent");
  });

  it.each<[string, SmtpFailure]>([
    ["a 421 service not available", { responseCode: 421, code: "EENVELOPE" }],
    ["a 451 greylisting", { responseCode: 451, code: "EMESSAGE" }],
    ["a 452 insufficient storage", { responseCode: 452 }],
    ["a 503 bad sequence of commands", { responseCode: 503, code: "EPROTOCOL" }],
    ["nodemailer saying not permanent", { responseCode: 550, permanent: false }],
    ["a refused connection", { code: "ESOCKET", message: "connect ECONNREFUSED 127.0.0.1:2525" }],
    ["a raw ECONNREFUSED", { code: "ECONNREFUSED" }],
    ["a timeout", { code: "ETIMEDOUT" }],
    ["a dropped connection", { code: "ECONNECTION" }],
    ["a DNS failure", { code: "EDNS" }],
    ["rejected credentials, even with a 535", { responseCode: 535, code: "EAUTH", permanent: true }],
    ["a failed TLS handshake", { code: "ETLS" }],
    ["an unknown error", { message: "something odd" }],
  ])("%s is transient", (_, failure) => {
    expect(classifySmtpFailure(failure)).toBe("transient");
  });
});

describe("redactAddresses", () => {
  it("removes every address a server reply quotes, and nothing else", () => {
    expect(redactAddresses("550 5.1.1 <Ann.Lee+news@example.co.uk>: Recipient address rejected")).toBe(
      "550 5.1.1 <<address>>: Recipient address rejected",
    );
    expect(redactAddresses("421 4.7.0 try again later")).toBe("421 4.7.0 try again later");
  });
});

describe("relayFailureKind", () => {
  it.each<[string, SmtpFailure, string]>([
    ["a 535 bad credentials", { code: "EAUTH", responseCode: 535, command: "AUTH PLAIN" }, "auth"],
    ["credentials the server cannot use", { code: "ENOAUTH" }, "auth"],
    ["STARTTLS refused", { code: "ETLS", command: "STARTTLS" }, "tls"],
    ["a certificate nobody vouches for", { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }, "tls"],
    [
      "a refused connection",
      { code: "ESOCKET", command: "CONN", message: "connect ECONNREFUSED 127.0.0.1:9" },
      "connection",
    ],
    [
      "no greeting in time",
      { code: "ETIMEDOUT", command: "CONN", message: "Greeting never received" },
      "connection",
    ],
    ["no such host", { code: "EDNS", message: "getaddrinfo ENOTFOUND smtp.invalid" }, "connection"],
    ["a bad SMTP_URL option", { code: "ECONFIG" }, "config"],
  ])("%s is a relay failure (%s)", (_, failure, kind) => {
    expect(relayFailureKind(failure)).toBe(kind);
  });

  it.each<[string, SmtpFailure]>([
    ["a 550 for the recipient", { responseCode: 550, code: "EENVELOPE", command: "RCPT TO" }],
    ["a 421 greylisting", { responseCode: 421, code: "EENVELOPE" }],
    ["a 421 while greeting (the relay is busy, it did answer)", { responseCode: 421, command: "CONN" }],
    ["a socket dropped mid-message", { code: "ESOCKET", message: "socket hang up" }],
    ["a send the worker aborted", { code: "EABORT" }],
  ])("%s is not", (_, failure) => {
    expect(relayFailureKind(failure)).toBeNull();
  });
});
