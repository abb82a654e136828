// Renders a built-in template and sends it through the pooled, DKIM-signing transport to an in-process
// SMTP server, then reads the message back as a mail client would.
import { generateKeyPairSync } from "node:crypto";
import type { HeaderLines } from "mailparser";
import type { Transporter } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFileTemplate } from "../../activities/email/file-templates.ts";
import { buildMarketingHeaders, createSmtpTransport } from "../../activities/email/smtp-transport.ts";
import { getCompiledTemplate } from "../../activities/email/template-compiler.ts";
import { deriveMessageId } from "../../domain/email/message-id.ts";
import { classifySmtpFailure, type SmtpFailure } from "../../domain/email/smtp-failure.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

const FROM = "Lumen Analytics <hello@lumen.example>";
const ONE_CLICK_URL = "https://lumen.example/v1/unsubscribe?token=abc";

let sink: SmtpSink;
let transport: Transporter;

beforeAll(async () => {
  sink = await startSmtpSink();
  transport = createSmtpTransport({
    smtpUrl: sink.url,
    pool: true,
    maxConnections: 2,
    rateLimitPerSecond: 100,
    dkim: { domainName: "lumen.example", keySelector: "nf2025", privateKey },
  });
});

afterAll(async () => {
  transport?.close();
  await sink?.stop();
});

async function renderWelcome(firstName: string) {
  const welcome = await loadFileTemplate("welcome");
  if (!welcome) throw new Error("welcome template missing");
  const compiled = await getCompiledTemplate(welcome);
  return compiled.render({
    ...welcome.sampleData,
    contact: { email: "jane@customer.example", name: `${firstName} Doe`, firstName, properties: {} },
    unsubscribeUrl: "https://lumen.example/unsubscribe?token=abc",
  });
}

async function sendFailure(to: string): Promise<SmtpFailure> {
  const email = await renderWelcome("Bo");
  const error = await transport
    .sendMail({ from: FROM, to, subject: email.subject, html: email.html, text: email.text })
    .then(
      () => null,
      (failure: SmtpFailure) => failure,
    );
  if (!error) throw new Error(`sending to ${to} succeeded`);
  return error;
}

function headerLine(headerLines: HeaderLines, key: string): string {
  const found = headerLines.find((header) => header.key === key);
  if (!found) throw new Error(`no ${key} header`);
  // Unfold: a long header continues on lines that start with whitespace.
  return found.line.replace(/\r?\n[ \t]+/g, " ");
}

describe("sending a rendered email", () => {
  it("delivers the welcome email with unsubscribe headers, a DKIM signature and the derived Message-ID", async () => {
    const email = await renderWelcome("Jane");
    const messageId = deriveMessageId("seq/welcome/contact/6f1c2a9e/lead#step:send-welcome", "lumen.example");
    await transport.sendMail({
      from: FROM,
      to: "jane@customer.example",
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId,
      ...buildMarketingHeaders(ONE_CLICK_URL, "unsubscribe@lumen.example"),
    });

    const message = await sink.waitForMessage((received) => received.messageId === messageId);
    expect(message.envelope).toEqual({ from: "hello@lumen.example", to: ["jane@customer.example"] });
    expect(message.subject).toBe("Welcome to Lumen Analytics, Jane");
    expect(message.html).toContain("<!doctype html>");
    expect(message.html).toContain("mj-column-per-100");
    expect(message.html).toContain("Hi Jane,");
    expect(message.text).toContain("Hi Jane,");
    expect(message.text).toContain("Unsubscribe [https://lumen.example/unsubscribe?token=abc]");

    expect(headerLine(message.headerLines, "list-unsubscribe")).toBe(
      `List-Unsubscribe: <${ONE_CLICK_URL}>, <mailto:unsubscribe@lumen.example>`,
    );
    expect(headerLine(message.headerLines, "list-unsubscribe-post")).toBe(
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    );

    const signature = headerLine(message.headerLines, "dkim-signature");
    expect(signature).toContain("d=lumen.example;");
    expect(signature).toContain("s=nf2025;");
    const signed = (/\bh=([^;]+);/.exec(signature)?.[1] ?? "").replace(/\s+/g, "").toLowerCase().split(":");
    expect(signed).toEqual(
      expect.arrayContaining([
        "from",
        "to",
        "subject",
        "message-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
      ]),
    );
  });

  it("authenticates with the credentials in the SMTP URL", async () => {
    const guarded = await startSmtpSink({ auth: { user: "mailer", pass: "s3cret/pass" } });
    const authenticated = createSmtpTransport({ smtpUrl: guarded.url, pool: false, maxConnections: 1 });
    const wrongPassword = createSmtpTransport({
      smtpUrl: guarded.url.replace("s3cret", "wrong"),
      pool: false,
      maxConnections: 1,
    });
    try {
      await authenticated.sendMail({ from: FROM, to: "ann@customer.example", subject: "Hi", text: "Hello" });
      expect((await guarded.waitForMessage((message) => message.subject === "Hi")).envelope.to).toEqual([
        "ann@customer.example",
      ]);
      const refused = await wrongPassword
        .sendMail({ from: FROM, to: "ann@customer.example", subject: "Hi", text: "Hello" })
        .then(
          () => null,
          (error: SmtpFailure) => error,
        );
      expect(refused).toMatchObject({ code: "EAUTH", responseCode: 535 });
      // Wrong credentials are the operator's to fix; the recipient must not be suppressed for them.
      expect(classifySmtpFailure(refused ?? {})).toBe("transient");
    } finally {
      authenticated.close();
      wrongPassword.close();
      await guarded.stop();
    }
  });
});

describe("classifying what the SMTP server answers", () => {
  afterAll(() => sink.setFailure(null));

  it("treats a 550 for the recipient as permanent", async () => {
    sink.setFailure((recipient) => (recipient === "gone@customer.example" ? 550 : undefined));
    const failure = await sendFailure("gone@customer.example");
    expect(failure).toMatchObject({ responseCode: 550 });
    expect(classifySmtpFailure(failure)).toBe("permanent");
  });

  it("treats a 421 for the recipient as transient", async () => {
    sink.setFailure((recipient) => (recipient === "busy@customer.example" ? 421 : undefined));
    const failure = await sendFailure("busy@customer.example");
    expect(failure).toMatchObject({ responseCode: 421 });
    expect(classifySmtpFailure(failure)).toBe("transient");
  });

  it("classifies a rejection after the message was transmitted the same way", async () => {
    sink.setFailure((recipient) => {
      if (recipient === "spam@customer.example") return { responseCode: 554, at: "data" };
      if (recipient === "later@customer.example") return { responseCode: 451, at: "data" };
      return undefined;
    });
    expect(classifySmtpFailure(await sendFailure("spam@customer.example"))).toBe("permanent");
    expect(classifySmtpFailure(await sendFailure("later@customer.example"))).toBe("transient");
  });

  it("keeps delivering to other recipients while one is rejected", async () => {
    sink.setFailure((recipient) => (recipient === "gone@customer.example" ? 550 : undefined));
    const email = await renderWelcome("Kim");
    await transport.sendMail({
      from: FROM,
      to: "kim@customer.example",
      subject: email.subject,
      html: email.html,
    });
    expect(
      (await sink.waitForMessage((message) => message.subject?.endsWith("Kim") ?? false)).envelope.to,
    ).toEqual(["kim@customer.example"]);
  });

  it("reports a refused connection as transient", async () => {
    const closed = await startSmtpSink();
    await closed.stop();
    const unreachable = createSmtpTransport({ smtpUrl: closed.url, pool: false, maxConnections: 1 });
    const failure = await unreachable
      .sendMail({ from: FROM, to: "jane@customer.example", subject: "Hi", text: "Hello" })
      .then(
        () => null,
        (error: SmtpFailure) => error,
      );
    unreachable.close();
    expect(failure).toMatchObject({ code: "ESOCKET" });
    expect(classifySmtpFailure(failure ?? {})).toBe("transient");
  });
});
