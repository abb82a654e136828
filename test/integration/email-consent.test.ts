// Consent without a worker: the unsubscribe page and its one-click twin (no API key needed), and the
// bounce and complaint webhook feeding the suppression list.
import type { Server } from "node:http";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createUnsubscribeLinks } from "../../activities/email/unsubscribe-links.ts";
import { createApp } from "../../api/app.ts";
import { parseConfig } from "../../domain/config.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
let guarded: Server;
let guardedUrl: string;

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
  // The same store behind an API that demands a key: links in emails must still work.
  const config = parseConfig({ DATABASE_URL: stack.config.databaseUrl, API_KEYS: "secret-key" });
  guarded = await new Promise((resolve) => {
    const server = createApp({ config, store: stack.store, logger: pino({ level: "silent" }) }).listen(
      0,
      "127.0.0.1",
      () => resolve(server),
    );
  });
  const address = guarded.address();
  guardedUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => guarded?.close(resolve));
  await stack?.stop();
});

const links = () => createUnsubscribeLinks(guardedUrl, stack.config.linkSigningSecret);

async function createContact(email: string): Promise<string> {
  const created = await api(stack, "POST", "/v1/contacts", {
    email,
    name: "Test Person",
    marketingConsent: true,
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const outboxKinds = async (contactId: string) =>
  (await stack.store.outbox.findMany({ where: { contactId }, orderBy: { id: "asc" } })).map(
    (row) => row.kind,
  );

describe("unsubscribing", () => {
  test("one-click works without an API key, once, and announces the change to running programs", async () => {
    const contactId = await createContact("oc@example.com");
    expect((await fetch(`${guardedUrl}/v1/templates`)).status).toBe(401);

    const post = () =>
      fetch(links().oneClickUrl(contactId), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: "unsubscribed" });
    expect(await (await post()).json()).toEqual({ status: "already_unsubscribed" });

    const contact = await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } });
    expect(contact).toMatchObject({ marketingConsent: false, unsubscribedAt: expect.any(Date) });
    expect(await stack.store.suppression.findUnique({ where: { email: "oc@example.com" } })).toMatchObject({
      reason: "unsubscribed",
    });
    // The creation's classification (segment new), then the unsubscribe.
    expect(await outboxKinds(contactId)).toEqual(["segment_changed", "unsubscribed"]);
  });

  test("the page asks first: GET changes nothing, the button's POST unsubscribes", async () => {
    const contactId = await createContact("page@example.com");
    const pageUrl = links().pageUrl(contactId);
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain('<form method="post"');
    expect(
      (await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).unsubscribedAt,
    ).toBeNull();

    const action = /action="([^"]+)"/.exec(html)?.[1] ?? "";
    const confirmed = await fetch(new URL(action.replaceAll("&amp;", "&"), pageUrl), { method: "POST" });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You are unsubscribed");
    expect(
      (await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } })).unsubscribedAt,
    ).not.toBeNull();
    expect(await (await fetch(pageUrl)).text()).toContain("You are unsubscribed");
  });

  test("a forged or tampered token is refused and changes nothing", async () => {
    const contactId = await createContact("forged@example.com");
    const forged = createUnsubscribeLinks(guardedUrl, "not-the-secret").oneClickUrl(contactId);
    expect((await fetch(forged, { method: "POST" })).status).toBe(400);
    const victim = await createContact("victim@example.com");
    // Someone else's contact id with this contact's signature.
    const [, signature] = links().token(contactId).split(".");
    const swapped = `${Buffer.from(victim).toString("base64url")}.${signature}`;
    expect((await fetch(`${guardedUrl}/v1/unsubscribe?token=${swapped}`, { method: "POST" })).status).toBe(
      400,
    );
    expect((await fetch(`${guardedUrl}/unsubscribe?token=${swapped}`)).status).toBe(400);
    expect(
      await stack.store.contact.count({
        where: { unsubscribedAt: { not: null }, id: { in: [contactId, victim] } },
      }),
    ).toBe(0);
    // Only the creations' own classification rows: nothing announced an unsubscribe.
    expect(await outboxKinds(contactId)).toEqual(["segment_changed"]);
    expect(await outboxKinds(victim)).toEqual(["segment_changed"]);
  });
});

describe("bounce and complaint webhook", () => {
  test("bounces suppress the address; a complaint also unsubscribes its contact", async () => {
    const contactId = await createContact("complainer@example.com");
    const response = await api(stack, "POST", "/v1/webhooks/email-events", [
      { type: "bounce", email: "Nobody@Example.com", reason: "550 5.1.1 user unknown" },
      { type: "complaint", email: "complainer@example.com", occurredAt: "2026-11-20T10:00:00Z" },
      { type: "complaint", email: "stranger@example.com" },
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ suppressed: 3, unsubscribed: 1 });

    const rows = await stack.store.suppression.findMany({
      where: { email: { in: ["nobody@example.com", "complainer@example.com", "stranger@example.com"] } },
      orderBy: { email: "asc" },
    });
    expect(rows.map((row) => [row.email, row.reason])).toEqual([
      ["complainer@example.com", "complaint"],
      ["nobody@example.com", "hard_bounce"],
      ["stranger@example.com", "complaint"],
    ]);
    const contact = await stack.store.contact.findUniqueOrThrow({ where: { id: contactId } });
    expect(contact.unsubscribedAt?.toISOString()).toBe("2026-11-20T10:00:00.000Z");
    expect(await outboxKinds(contactId)).toEqual(["segment_changed", "unsubscribed"]);
  });

  test("one report alone is accepted; a malformed batch names its fields and writes nothing", async () => {
    const single = await api(stack, "POST", "/v1/webhooks/email-events", {
      type: "bounce",
      email: "one@example.com",
    });
    expect(single.body).toEqual({ suppressed: 1, unsubscribed: 0 });

    const refused = await api(stack, "POST", "/v1/webhooks/email-events", [
      { type: "bounce", email: "two@example.com" },
      { type: "delivered", email: "not-an-address" },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.contentType).toContain("application/problem+json");
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual(
      expect.arrayContaining(["1.type", "1.email"]),
    );
    expect(await stack.store.suppression.count({ where: { email: "two@example.com" } })).toBe(0);
  });
});
