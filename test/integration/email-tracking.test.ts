// With EMAIL_TRACKING=on: links of a sent email go through signed click redirects and an open pixel
// is added; both record email_opened / email_clicked events that feed scoring. A redirect only ever
// leads to a link that was in the email: tampered or foreign tokens are refused, never redirected.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { builtIn } from "../support/built-in.ts";
import { type SinkMessage, type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let sink: SmtpSink;
let stack: TestStack;
let contactId: string;
let message: SinkMessage;

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url, env: { EMAIL_TRACKING: "on" } });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  await stack.startWorker();
  const created = await api(stack, "POST", "/v1/contacts", {
    email: "tess@example.com",
    name: "Tess Tracker",
    marketingConsent: true,
  });
  contactId = created.body.id;
  await api(stack, "PUT", `/v1/contacts/${contactId}/stage`, { stage: "lead" });
  message = await sink.waitForMessage((m) => m.envelope.to.includes("tess@example.com"), 15_000);
});

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

const hrefs = () => [...String(message.html).matchAll(/href="([^"]+)"/g)].map((match) => match[1] ?? "");
const clickLink = () => hrefs().find((href) => href.includes("/t/c/")) ?? "";
const pixel = () => /<img src="([^"]*\/t\/o\/[^"]+\.gif)"/.exec(String(message.html))?.[1] ?? "";
const eventsOf = (type: string) => stack.store.event.findMany({ where: { contactId, type } });

describe("tracked email", () => {
  test("links go through the click redirect, except the unsubscribe link; the pixel is added", () => {
    expect(clickLink()).toMatch(new RegExp(`^${stack.baseUrl}/t/c/[\\w-]+\\.[0-9a-z]+\\.[\\w-]+$`));
    expect(hrefs().some((href) => href.includes("example.com/resources"))).toBe(false);
    expect(hrefs().some((href) => href.replaceAll("&#x3D;", "=").includes("/unsubscribe?token="))).toBe(true);
    expect(pixel()).toMatch(new RegExp(`^${stack.baseUrl}/t/o/`));
    // The plain-text part keeps the real link: there is no pixel to load there either.
    expect(message.text).toContain("https://example.com/resources");
  });

  test("the open pixel records one email_opened per message", async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(pixel());
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/gif");
    }
    const opened = await eventsOf("email_opened");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.properties).toMatchObject({ templateKey: "welcome", messageId: message.messageId });
    const ledger = await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } });
    expect(ledger.firstOpenedAt).not.toBeNull();
  });

  test("a click redirects to the link in the email and records email_clicked, which scores", async () => {
    const before = (await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).score;
    const response = await fetch(clickLink(), { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/resources");
    const clicked = await eventsOf("email_clicked");
    expect(clicked).toHaveLength(1);
    expect(clicked[0]?.properties).toMatchObject({ url: "https://example.com/resources" });
    expect(
      (await stack.store.sendLedger.findFirstOrThrow({ where: { contactId } })).firstClickedAt,
    ).not.toBeNull();
    expect((await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).score).toBeGreaterThan(
      before,
    );
  });

  test("a token whose URL was swapped for another host is refused, never redirected", async () => {
    const [base, token] = clickLink().split("/t/c/") as [string, string];
    const [payload, expiry, signature] = token.split(".") as [string, string, string];
    const [ledgerId] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as [string, string];
    const evil = Buffer.from(JSON.stringify([ledgerId, "https://evil.example/login"])).toString("base64url");
    const response = await fetch(`${base}/t/c/${evil}.${expiry}.${signature}`, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  test("tampered, truncated or misused tokens are refused", async () => {
    const link = clickLink();
    const flipped = `${link.slice(0, -1)}${link.endsWith("A") ? "B" : "A"}`;
    const openToken =
      pixel()
        .split("/t/o/")[1]
        ?.replace(/\.gif$/, "") ?? "";
    for (const url of [
      flipped,
      link.slice(0, link.lastIndexOf(".")),
      `${stack.baseUrl}/t/c/${openToken}`,
      `${stack.baseUrl}/t/c/not-a-token`,
      `${stack.baseUrl}/t/o/${link.split("/t/c/")[1]}.gif`,
    ]) {
      const response = await fetch(url, { redirect: "manual" });
      expect(response.status, url).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
    expect(await eventsOf("email_clicked")).toHaveLength(1);
  });
});
