// Issue 8, "open by default": keys made by the CLI, stored hashed, scopes enforced per route, API_KEYS
// as admin keys, a rate limit per key on ingest, and production refusing to start open.
import { execFile } from "node:child_process";
import type { Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../../api/app.ts";
import { createApiKey } from "../../api/auth/api-keys.ts";
import { productionProblems } from "../../api/auth/production-readiness.ts";
import { parseConfig } from "../../domain/config.ts";
import { api, startTestStack, type TestStack } from "../support/test-stack.ts";
import { waitUntil } from "../support/wait.ts";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const STRONG_SECRET = "a-random-link-signing-secret-of-forty-chars";

let stack: TestStack;
const servers: Server[] = [];

async function serve(env: Record<string, string>): Promise<string> {
  const config = parseConfig({ DATABASE_URL: stack.config.databaseUrl, ...env });
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

async function call(
  baseUrl: string,
  method: string,
  path: string,
  key: string | null | undefined,
  body?: unknown,
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    headers: response.headers,
    body: text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
  };
}

const pageView = (n: number) => ({
  type: "page_view",
  contact: { anonymousId: `visitor-${n}` },
  occurredAt: "2026-11-23T10:00:00Z",
  idempotencyKey: `auth-pv-${n}-${Math.random()}`,
});

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
});

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await stack?.stop();
});

describe("development without keys", () => {
  test("open while no key exists, closed once the first key is created", async () => {
    const open = await api(stack, "POST", "/v1/contacts", { email: "open@example.com" });
    expect(open.status).toBe(201);
    await createApiKey(stack.store, "read", "closes the dev API");
    await waitUntil(async () => (await api(stack, "GET", `/v1/contacts/${open.body.id}`)).status === 401);
  });
});

describe("API keys and scopes", () => {
  let baseUrl: string;
  let contactId: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    baseUrl = await serve({ API_KEYS: "env-admin-key", INGEST_RATE_LIMIT_PER_SECOND: "0" });
    for (const scope of ["read", "ingest", "write", "admin"] as const) {
      keys[scope] = (await createApiKey(stack.store, scope, `${scope} key`)).key;
    }
    const created = await call(baseUrl, "POST", "/v1/contacts", keys.write, { email: "scoped@example.com" });
    expect(created.status).toBe(201);
    contactId = created.body.id;
  });

  test("production with no key is closed, not open (the defect: every /v1 route answered)", async () => {
    const production = await serve({ NODE_ENV: "production", LINK_SIGNING_SECRET: STRONG_SECRET });
    const answer = await call(production, "GET", `/v1/contacts/${contactId}`, null);
    expect(answer.status).toBe(401);
    expect(answer.contentType).toContain("application/problem+json");
  });

  test("401 problem+json without a key, with a wrong key and with a malformed header", async () => {
    for (const header of [null, "nf_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wrong"]) {
      const answer = await call(baseUrl, "GET", `/v1/contacts/${contactId}`, header);
      expect(answer.status).toBe(401);
      expect(answer.contentType).toContain("application/problem+json");
      expect(answer.body).toMatchObject({ status: 401, title: "Unauthorized" });
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    // A real key's secret with one character changed is not that key.
    const admin = keys.admin as string;
    const tampered = `${admin.slice(0, -1)}${admin.endsWith("A") ? "B" : "A"}`;
    expect((await call(baseUrl, "GET", `/v1/contacts/${contactId}`, tampered)).status).toBe(401);
  });

  test("each scope reaches its routes and gets 403 problem+json elsewhere", async () => {
    const template = (key: string) => ({
      key,
      subject: "Hello",
      mjml: "<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{contact.firstName}}</mj-text></mj-column></mj-section></mj-body></mjml>",
      category: "transactional",
    });
    const cases: [string, string, string, unknown, Record<string, number>][] = [
      ["GET", `/v1/contacts/${contactId}`, "", undefined, { read: 200, ingest: 403, write: 200, admin: 200 }],
      ["GET", "/v1/templates", "", undefined, { read: 200, ingest: 403, write: 200, admin: 200 }],
      ["POST", "/v1/events", "", pageView(1), { read: 403, ingest: 200, write: 200, admin: 200 }],
      [
        "POST",
        "/v1/contacts",
        "",
        { email: "scoped@example.com" },
        { read: 403, ingest: 403, write: 200, admin: 200 },
      ],
      [
        "PUT",
        `/v1/contacts/${contactId}/stage`,
        "",
        { stage: "lead" },
        { read: 403, ingest: 403, write: 200, admin: 200 },
      ],
      ["POST", "/v1/templates", "tpl", undefined, { read: 403, ingest: 403, write: 403, admin: 201 }],
      [
        "POST",
        "/v1/webhooks/email-events",
        "",
        { type: "bounce", email: "gone@example.com" },
        { read: 403, ingest: 403, write: 403, admin: 200 },
      ],
    ];
    for (const [method, path, templateKey, body, expected] of cases) {
      for (const [scope, status] of Object.entries(expected)) {
        const payload =
          path === "/v1/events"
            ? pageView(Math.random())
            : templateKey
              ? template(`${templateKey}-${scope}`)
              : body;
        const answer = await call(baseUrl, method, path, keys[scope] as string, payload);
        expect({ method, path, scope, status: answer.status }).toEqual({ method, path, scope, status });
        if (status === 403) {
          expect(answer.contentType).toContain("application/problem+json");
          expect(answer.body.detail).toContain(scope);
        }
      }
    }
  });

  test("API_KEYS from the environment are admin keys", async () => {
    const answer = await call(baseUrl, "POST", "/v1/webhooks/email-events", "env-admin-key", {
      type: "bounce",
      email: "env@example.com",
    });
    expect(answer.status).toBe(200);
  });

  test("keys are stored hashed, never in clear", async () => {
    const rows = await stack.store.apiKey.findMany();
    const stored = JSON.stringify(rows);
    for (const key of Object.values(keys)) expect(stored).not.toContain(key.slice(16));
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.hash))).toBe(true);
  });

  test("a revoked key gets 401 on its next request", async () => {
    const issued = await createApiKey(stack.store, "read", "to revoke");
    expect((await call(baseUrl, "GET", `/v1/contacts/${contactId}`, issued.key)).status).toBe(200);
    await stack.store.apiKey.update({ where: { id: issued.id }, data: { revokedAt: new Date() } });
    expect((await call(baseUrl, "GET", `/v1/contacts/${contactId}`, issued.key)).status).toBe(401);
  });
});

describe("rate limit per key on ingest", () => {
  test("past its burst a key gets 429 with Retry-After; another key is not affected", async () => {
    const baseUrl = await serve({ INGEST_RATE_LIMIT_PER_SECOND: "1", INGEST_RATE_LIMIT_BURST: "3" });
    const busy = (await createApiKey(stack.store, "ingest", "busy")).key;
    const quiet = (await createApiKey(stack.store, "ingest", "quiet")).key;
    // 20 at once against a bucket of 3 refilling at 1/s: only a 17 s stall could let them all pass.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => call(baseUrl, "POST", "/v1/events", busy, pageView(100 + n))),
    );
    const limited = answers.find((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(limited).toBeDefined();
    expect(limited?.contentType).toContain("application/problem+json");
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await call(baseUrl, "POST", "/v1/events", quiet, pageView(200))).status).toBe(200);
  });
});

describe("npm run keys", () => {
  const keysCli = (...args: string[]) =>
    run(TSX, ["scripts/keys.ts", ...args], {
      env: { ...process.env, DATABASE_URL: stack.config.databaseUrl },
    });

  test("create prints the key once, list shows only its prefix, revoke closes it", async () => {
    const baseUrl = await serve({});
    const created = await keysCli("create", "--scope", "read", "--name", "from the cli");
    const key = /^(nf_[0-9a-f]{12}_\S{43})$/m.exec(created.stdout)?.[1];
    const id = /created key ([0-9a-f]{12})/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect((await call(baseUrl, "GET", "/v1/templates", key as string)).status).toBe(200);

    const listed = await keysCli("list");
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("from the cli");
    expect(listed.stdout).not.toContain(key);

    await keysCli("revoke", id as string);
    expect((await call(baseUrl, "GET", "/v1/templates", key as string)).status).toBe(401);
    await expect(keysCli("create", "--scope", "everything")).rejects.toMatchObject({ code: 2 });
  });
});

describe("production refuses to start unsafe", () => {
  test("the problems are named: no key, the public link, webhook and erasure secrets", async () => {
    const config = parseConfig({ NODE_ENV: "production", DATABASE_URL: stack.config.databaseUrl });
    await stack.store.apiKey.updateMany({ data: { revokedAt: new Date() } });
    const problems = await productionProblems(config, stack.store);
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).toMatch(/no API key/);
    expect(problems.join("\n")).toMatch(/LINK_SIGNING_SECRET/);
    // Anyone could forge webhook signatures, or reverse an erased address's hash by trying addresses.
    expect(problems.join("\n")).toMatch(/WEBHOOK_SIGNING_SECRET/);
    expect(problems.join("\n")).toMatch(/ERASURE_HASH_SECRET/);
    expect(
      await productionProblems(
        parseConfig({
          NODE_ENV: "production",
          API_KEYS: "k",
          LINK_SIGNING_SECRET: STRONG_SECRET,
          WEBHOOK_SIGNING_SECRET: `${STRONG_SECRET}-webhook`,
          ERASURE_HASH_SECRET: `${STRONG_SECRET}-erasure`,
        }),
        stack.store,
      ),
    ).toEqual([]);
    expect(await productionProblems(parseConfig({}), stack.store)).toEqual([]);
  });

  test("the API process exits 1 naming what is missing", async () => {
    const started = run(TSX, ["api/main.ts"], {
      env: { ...process.env, NODE_ENV: "production", DATABASE_URL: stack.config.databaseUrl, PORT: "0" },
    });
    const failure = await started.then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain("no API key");
    expect(failure?.stdout).toContain("LINK_SIGNING_SECRET");
  });
});
