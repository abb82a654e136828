// Issue 12: nf.js in a real browser (Debian's chromium through playwright-core), on a test page served
// from another origin: two page views, then a form that identifies → one contact with both page views
// in its timeline, stage lead, the welcome email; with consent withheld nothing is sent.
import { createServer, type Server } from "node:http";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { createApp } from "../../api/app.ts";
import { createApiKey } from "../../api/auth/api-keys.ts";
import { launchDebianChromium } from "../../scripts/browser/debian-chromium.ts";
import { builtIn } from "../support/built-in.ts";
import { type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

let SITE_KEY: string;
let sink: SmtpSink;
let stack: TestStack;
let api: Server;
let site: Server;
let apiUrl: string;
let siteUrl: string;
let browser: Browser;

const portOf = (server: Server) => {
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
};
const listen = (server: Server) =>
  new Promise<Server>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));

function page(title: string): string {
  return `<!doctype html><html><head><title>${title}</title>
<script async src="${apiUrl}/nf.js" data-site-key="${SITE_KEY}"></script></head><body>
<h1>${title}</h1>
<button id="accept" onclick="nurtureflow.consent(true)">Accept</button>
<button id="decline" onclick="nurtureflow.consent(false)">Decline</button>
<form id="signup" onsubmit="event.preventDefault();
  nurtureflow.identify(this.email.value, { name: this.name.value });
  nurtureflow.track('form_submitted', { form: 'signup' });
  document.getElementById('done').textContent = 'thanks';">
  <input name="name"><input name="email"><button type="submit">Sign up</button></form>
<p id="done"></p></body></html>`;
}

beforeAll(async () => {
  sink = await startSmtpSink();
  stack = await startTestStack({ smtpUrl: sink.url });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  await stack.startWorker();
  // A real ingest key (stored, hashed): what a Segment source or a site is given.
  SITE_KEY = (await createApiKey(stack.store, "ingest", "tracking")).key;
  // Another origin (another port on 127.0.0.1) serves the site that carries the snippet.
  site = await listen(
    createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page(req.url === "/features" ? "Features" : "Pricing"));
    }),
  );
  siteUrl = `http://127.0.0.1:${portOf(site)}`;
  api = await listen(
    createServer(
      createApp({
        config: { ...stack.config, trackerOrigins: [siteUrl] },
        store: stack.store,
        logger: pino({ level: "silent" }),
      }),
    ),
  );
  apiUrl = `http://127.0.0.1:${portOf(api)}`;
  browser = await launchDebianChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => api?.close(resolve));
  await new Promise((resolve) => site?.close(resolve));
  await stack?.stop();
  await sink?.stop();
});

const pageViewsOf = (anonymousId: string) =>
  stack.store.event.count({
    where: { type: "page_view", contact: { anonymousIds: { some: { anonymousId } } } },
  });

describe("nf.js", () => {
  test("two page views, then a form that identifies → one lead with both views, consent from the tracker, welcome email", async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${siteUrl}/pricing`);
    await tab.waitForFunction("'nurtureflow' in window");
    await tab.click("#accept");
    const anonymousId = await tab.evaluate<string | null>("localStorage.getItem('nf_aid')");
    expect(anonymousId).toBeTruthy();
    await waitUntil(async () => (await pageViewsOf(anonymousId as string)) === 1, 15_000, "first page view");

    await tab.goto(`${siteUrl}/features`);
    await tab.waitForFunction("'nurtureflow' in window");
    await waitUntil(async () => (await pageViewsOf(anonymousId as string)) === 2, 15_000, "second page view");

    await tab.fill("input[name=name]", "Ada Lovelace");
    await tab.fill("input[name=email]", "ada.browser@example.com");
    await tab.click("#signup button[type=submit]");
    await tab.waitForSelector("#done:has-text('thanks')");
    await waitUntil(
      async () =>
        (await stack.store.contact.findUnique({ where: { email: "ada.browser@example.com" } }))
          ?.lifecycleStage === "lead",
      15_000,
      "lead",
    );
    await context.close();

    const contact = await stack.store.contact.findUniqueOrThrow({
      where: { email: "ada.browser@example.com" },
    });
    expect(contact).toMatchObject({ name: "Ada Lovelace", marketingConsent: true, lifecycleStage: "lead" });
    const events = await stack.store.event.findMany({
      where: { contactId: contact.id },
      orderBy: { occurredAt: "asc" },
    });
    expect(events.map((event) => event.type)).toEqual(["page_view", "page_view", "form_submitted"]);
    expect(events.map((event) => (event.properties as { path?: string }).path)).toEqual([
      "/pricing",
      "/features",
      undefined,
    ]);
    // One contact: the ghost of the two visits was merged into it.
    const ghosts = await stack.store.contact.findMany({ where: { mergedIntoId: contact.id } });
    expect(ghosts).toHaveLength(1);
    expect(
      await stack.store.anonymousIdentity.findUnique({ where: { anonymousId: anonymousId as string } }),
    ).toMatchObject({ contactId: contact.id });
    const welcome = await sink.waitForMessage(
      (m) => m.envelope.to.includes("ada.browser@example.com"),
      20_000,
    );
    expect(welcome.subject).toMatch(/welcome/i);
  });

  test("with consent withheld or refused, nothing is sent", async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    const sent: string[] = [];
    tab.on("request", (request) => {
      if (request.url().startsWith(`${apiUrl}/v1/`)) sent.push(request.url());
    });
    await tab.goto(`${siteUrl}/pricing`);
    await tab.waitForFunction("'nurtureflow' in window");
    await tab.fill("input[name=name]", "Grace");
    await tab.fill("input[name=email]", "grace.browser@example.com");
    await tab.click("#signup button[type=submit]");
    await tab.waitForSelector("#done:has-text('thanks')");
    await tab.click("#decline");
    await tab.goto(`${siteUrl}/features`);
    await tab.waitForFunction("'nurtureflow' in window");
    // The tracker's flush timer is 1 s; hiding the page sends at once. Give both a chance to misbehave.
    await tab.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
    await context.close();
    expect(sent).toEqual([]);
    expect(await stack.store.contact.count({ where: { email: "grace.browser@example.com" } })).toBe(0);
  });

  test("a page of an origin outside TRACKER_ORIGINS is refused; /nf.js is a few KB", async () => {
    const refused = await fetch(`${apiUrl}/v1/batch`, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: SITE_KEY, batch: [{ type: "page", anonymousId: "x" }] }),
    });
    expect(refused.status).toBe(403);
    expect(await stack.store.anonymousIdentity.count({ where: { anonymousId: "x" } })).toBe(0);
    const script = await fetch(`${apiUrl}/nf.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect((await script.text()).length).toBeLessThan(8_000);
  });
});
