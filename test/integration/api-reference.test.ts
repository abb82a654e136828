// Issue 13: the API reference. The OpenAPI document passes a standard validator, names every route
// the app serves (walked from express itself, so a route mounted outside the registry would show), and
// /docs renders it in a real browser, the request body of POST /v1/events included. Body limits are
// part of each route: documented, and a larger body is a 413 naming the limit.
import { compileErrors, validate } from "@readme/openapi-parser";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../../api/app.ts";
import { launchDebianChromium } from "../../scripts/browser/debian-chromium.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
let document: any;

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
  document = (await api(stack, "GET", "/openapi.json")).body;
});

afterAll(async () => {
  await stack?.stop();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** "METHOD /path" of every route express would serve, nested routers included. */
function servedRoutes(layers: Layer[]): string[] {
  return layers.flatMap((layer) => {
    if (layer.route) {
      const { path, methods } = layer.route;
      return Object.keys(methods)
        .filter((method) => method !== "_all")
        .map((method) => `${method.toUpperCase()} ${path.replace(/:([A-Za-z_]\w*)/g, "{$1}")}`);
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

describe("the OpenAPI document", () => {
  test("passes the OpenAPI validator", async () => {
    const result = await validate(structuredClone(document));
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.specification).toBe("OpenAPI");
  });

  test("describes every route the app serves, and nothing else", () => {
    const app = createApp({ config: stack.config, store: stack.store, logger: pino({ level: "silent" }) });
    const served = servedRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThan(40);
    expect(documented).toEqual(served);
    for (const route of ["POST /v1/events", "GET /v1/contacts/{id}/timeline", "POST /v1/unsubscribe"]) {
      expect(documented).toContain(route);
    }
  });

  test("events, contacts and sequences carry examples; the events body names its fields", () => {
    const events = document.paths["/v1/events"].post.requestBody;
    expect(Object.keys(events.content["application/json"].examples)).toEqual(["event", "batch"]);
    const [single] = events.content["application/json"].schema.anyOf;
    expect(Object.keys(single.properties)).toEqual(
      expect.arrayContaining(["type", "contact", "occurredAt", "properties", "idempotencyKey"]),
    );
    expect(single.required).not.toContain("occurredAt");
    expect(document.paths["/v1/contacts"].post.requestBody.content["application/json"].example).toEqual(
      expect.objectContaining({ email: expect.any(String) }),
    );
    expect(document.paths["/v1/sequences"].post.requestBody.content["application/json"].example).toEqual(
      expect.objectContaining({ key: expect.any(String) }),
    );
  });
});

describe("body limits", () => {
  test("each route documents its limit; the events batch takes more than the default", () => {
    expect(document.paths["/v1/events"].post.requestBody["x-body-limit"]).toBe("5mb");
    expect(document.paths["/v1/contacts"].post.requestBody["x-body-limit"]).toBe("1mb");
    expect(document.paths["/v1/contacts"].post.responses["413"].description).toContain("1mb");
  });

  test("a body over the route's limit is a 413 problem naming the limit; the events route takes it", async () => {
    const big = "x".repeat(1_200_000);
    const contact = await api(stack, "POST", "/v1/contacts", { email: "big@example.com", name: big });
    expect(contact.status).toBe(413);
    expect(contact.contentType).toContain("application/problem+json");
    expect(contact.body.detail).toContain("1mb");

    // The same size on the events route passes the limit and reaches validation (properties > 32 KiB).
    const event = {
      type: "page_view",
      contact: { email: "big@example.com" },
      idempotencyKey: "big-1",
      properties: { big },
    };
    const accepted = await api(stack, "POST", "/v1/events", event);
    expect(accepted.status).toBe(400);
    expect(accepted.body.errors.map((e: any) => e.field)).toEqual(["properties"]);

    const huge = await api(stack, "POST", "/v1/events", { ...event, properties: { big: big.repeat(5) } });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toContain("5mb");
    expect(await stack.store.contact.count()).toBe(0);
  });
});

describe("/docs in a browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchDebianChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  test("renders the request body schema of POST /v1/events from the package's own files", async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(stack.baseUrl)) outside.push(request.url());
    });
    await page.goto(`${stack.baseUrl}/docs`);
    const operation = page.locator(".opblock-post", { hasText: "/v1/events" }).first();
    await operation.locator(".opblock-summary").click();
    const body = operation.locator(".opblock-section-request-body");
    await body.getByText("Schema", { exact: true }).click();
    for (const field of ["idempotencyKey", "occurredAt", "contact"]) {
      await expect
        .poll(() => body.getByText(field, { exact: true }).count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
    }
    // Every GET route is listed, and a call can be tried from the page.
    await expect
      .poll(() => page.locator(".opblock").count(), { timeout: 30_000 })
      .toBe(
        Object.values(document.paths as Record<string, object>).reduce(
          (n, ops) => n + Object.keys(ops).length,
          0,
        ),
      );
    await expect.poll(() => operation.getByText("Try it out").count()).toBe(1);
    expect(outside).toEqual([]);
    await page.close();
  }, 120_000);
});
