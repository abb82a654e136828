// Issue 8: the link-signing secret had a public default, so anyone could forge click tokens (an open
// redirect) and fake opens and clicks. Through the real API: forged tokens are refused, a rotated-out
// secret works only during its grace period, and an expired token records nothing.
import type { Server } from "node:http";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createUnsubscribeLinks } from "../../activities/email/unsubscribe-links.ts";
import { createTrackingLinks, TRACKING_LINK_TTL_MS } from "../../activities/tracking/tracking-links.ts";
import { createApp } from "../../api/app.ts";
import { DEVELOPMENT_LINK_SIGNING_SECRET, parseConfig } from "../../domain/config.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

const SECRET = "current-link-signing-secret-0123456789abcdef";
const OLD_SECRET = "previous-link-signing-secret-0123456789abcdef";

let stack: TestStack;
const servers: Server[] = [];
let ledgerId: string;
let contactId: string;

async function serve(env: Record<string, string>): Promise<string> {
  const config = parseConfig({ DATABASE_URL: stack.config.databaseUrl, LINK_SIGNING_SECRET: SECRET, ...env });
  const server: Server = await new Promise((resolve) => {
    const listening = createApp({ config, store: stack.store, logger: pino({ level: "silent" }) }).listen(
      0,
      "127.0.0.1",
      () => resolve(listening),
    );
  });
  servers.push(server);
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

const tokenOf = (url: string, marker: string) => (url.split(marker)[1] ?? "").replace(/\.gif$/, "");
const engagementEvents = () =>
  stack.store.event.count({ where: { contactId, type: { in: ["email_opened", "email_clicked"] } } });

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
  const contact = await stack.store.contact.create({ data: { email: "links@example.com" } });
  contactId = contact.id;
  const ledger = await stack.store.sendLedger.create({
    data: {
      businessKey: "signed-links/1",
      contactId,
      templateKey: "welcome",
      toAddress: "links@example.com",
      messageId: "<signed-links-1@example.com>",
      status: "sent",
    },
  });
  ledgerId = String(ledger.id);
});

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await stack?.stop();
});

describe("forged tokens", () => {
  test("click and open tokens signed with the public development secret are refused", async () => {
    const baseUrl = await serve({});
    const forger = createTrackingLinks(baseUrl, DEVELOPMENT_LINK_SIGNING_SECRET);
    const click = await fetch(forger.clickUrl(ledgerId, "https://evil.example/login"), {
      redirect: "manual",
    });
    expect(click.status).toBe(400);
    expect(click.headers.get("location")).toBeNull();
    expect(click.headers.get("content-type")).toContain("application/problem+json");
    expect((await fetch(forger.openPixelUrl(ledgerId))).status).toBe(400);
    const unsubscribe = await fetch(
      createUnsubscribeLinks(baseUrl, DEVELOPMENT_LINK_SIGNING_SECRET).oneClickUrl(contactId),
      {
        method: "POST",
      },
    );
    expect(unsubscribe.status).toBe(400);
    expect(await engagementEvents()).toBe(0);
    expect(
      (await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).unsubscribedAt,
    ).toBeNull();
  });
});

describe("rotation", () => {
  test("links signed with the previous secret work until its grace period ends", async () => {
    const old = createTrackingLinks("http://unused", OLD_SECRET);
    const path = `/t/c/${tokenOf(old.clickUrl(ledgerId, "https://shop.example/a"), "/t/c/")}`;
    const inGrace = await serve({
      LINK_SIGNING_SECRET_PREVIOUS: OLD_SECRET,
      LINK_SIGNING_SECRET_PREVIOUS_UNTIL: new Date(Date.now() + 3600_000).toISOString(),
    });
    const accepted = await fetch(`${inGrace}${path}`, { redirect: "manual" });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get("location")).toBe("https://shop.example/a");

    const pastGrace = await serve({
      LINK_SIGNING_SECRET_PREVIOUS: OLD_SECRET,
      LINK_SIGNING_SECRET_PREVIOUS_UNTIL: new Date(Date.now() - 1000).toISOString(),
    });
    expect((await fetch(`${pastGrace}${path}`, { redirect: "manual" })).status).toBe(400);
    expect((await fetch(`${await serve({})}${path}`, { redirect: "manual" })).status).toBe(400);
  });
});

describe("expiry", () => {
  test("an expired genuine token still shows the pixel and redirects, but records nothing", async () => {
    const baseUrl = await serve({});
    const before = await engagementEvents();
    // Two hours past the lifetime: expiries are rounded up to the hour.
    const signedLongAgo = () => Date.now() - TRACKING_LINK_TTL_MS - 2 * 3600_000;
    const stale = createTrackingLinks(baseUrl, SECRET, null, signedLongAgo);
    const pixel = await fetch(stale.openPixelUrl(ledgerId));
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get("content-type")).toContain("image/gif");
    const click = await fetch(stale.clickUrl(ledgerId, "https://shop.example/b"), { redirect: "manual" });
    expect(click.status).toBe(302);
    expect(await engagementEvents()).toBe(before);

    // The same link freshly signed is recorded: the difference is the expiry alone.
    expect((await fetch(createTrackingLinks(baseUrl, SECRET).openPixelUrl(ledgerId))).status).toBe(200);
    expect(await engagementEvents()).toBe(before + 1);
  });
});
