// Issue 8, input hardening by fuzzing: every route that takes a body, as the route registry lists them
// (apiRoutes, so routes added later are fuzzed too). Bodies are arbitrary JSON, objects carrying the fields of the route's zod schema with
// arbitrary values, long strings, deep nesting, text PostgreSQL refuses (NUL, lone surrogates) and
// the wrong content types. Never a 500; a 4xx leaves every table as it was, and under /v1 is
// problem+json.
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { publishSequenceVersion } from "../../activities/sequences/sequence-catalog.ts";
import { apiRoutes } from "../../api/app.ts";
import { openApiPath } from "../../api/route-definition.ts";
import { builtIn } from "../support/built-in.ts";
import { createConsentingContact } from "../support/outbox-rows.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 12);

interface FuzzTarget {
  method: string;
  path: string;
  schema: z.ZodType | undefined;
}

let stack: TestStack;
let contactId: string;
let tables: string[];

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:9" });
  await publishSequenceVersion(stack.store, "welcome", builtIn("welcome"));
  contactId = await createConsentingContact(stack, "fuzz@example.com");
  const rows = await stack.store.$queryRaw<Array<{ name: string }>>`
    SELECT table_name::text AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`;
  tables = rows.map((row) => row.name);
});

afterAll(async () => {
  await stack?.stop();
});

function targets(): FuzzTarget[] {
  return apiRoutes(stack.store, stack.config, pino({ level: "silent" }))
    .filter((route) => route.method !== "get")
    .map((route) => ({ method: route.method, path: route.path, schema: route.body }));
}

/** Path parameters that name something that exists, so the body is what gets judged. */
function concretePath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, (_, name: string) =>
    name === "id" ? contactId : name === "key" ? "welcome" : name === "version" ? "1" : "fuzz",
  );
}

/** The field names the schema declares, so generated objects get past the unknown-field check. */
function fieldNames(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, unknown>;
    anyOf?: Array<{ properties?: Record<string, unknown> }>;
  };
  const properties = json.properties ?? json.anyOf?.find((option) => option.properties)?.properties ?? {};
  return Object.keys(properties);
}

const nasty = fc.constantFrom("\u0000", "\ud800", "\udfff", "a\u0000b", "\u202e", "\ufeff", "%00", "{{x}}");
const longString = fc.integer({ min: 10_000, max: 300_000 }).map((length) => "x".repeat(length));
const deep = fc.integer({ min: 30, max: 3_000 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nasty,
  longString.map((s) => s.slice(0, 20_000)),
);

function bodies(schema: z.ZodType | undefined): fc.Arbitrary<{ text: string; contentType: string | null }> {
  const fields = fieldNames(schema);
  const shaped =
    fields.length > 0
      ? fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: fields.length })
      : fc.dictionary(fc.string(), value);
  const json = (arbitrary: fc.Arbitrary<unknown>) =>
    arbitrary.map((body) => ({
      text: JSON.stringify(body),
      contentType: "application/json" as string | null,
    }));
  return fc.oneof(
    json(shaped),
    json(fc.jsonValue()),
    json(longString),
    deep.map((text) => ({ text, contentType: "application/json" })),
    // JSON escapes PostgreSQL cannot store, and malformed JSON.
    fc
      .constantFrom('{"a":"\\u0000"}', '{"a":"\\ud800"}', '{"a":', "[1,]", "\u0000", "nul")
      .map((text) => ({ text, contentType: "application/json" })),
    fc
      .tuple(
        json(shaped),
        fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data", null),
      )
      .map(([body, contentType]) => ({ text: body.text, contentType })),
  );
}

async function rowCounts(): Promise<Record<string, number>> {
  const selects = tables.map((table) => `(SELECT count(*)::int FROM "${table}") AS "${table}"`).join(", ");
  const [row] = await stack.store.$queryRawUnsafe<Array<Record<string, number>>>(`SELECT ${selects}`);
  return row ?? {};
}

describe("every route's body, fuzzed", () => {
  test("never a 500, and a 4xx wrote nothing", async () => {
    const list = targets();
    expect(list.length).toBeGreaterThan(20);
    for (const target of list) {
      const url = `${stack.baseUrl}${concretePath(target.path)}`;
      await fc.assert(
        fc.asyncProperty(bodies(target.schema), async ({ text, contentType }) => {
          const before = await rowCounts();
          const response = await fetch(url, {
            method: target.method.toUpperCase(),
            headers: contentType ? { "content-type": contentType } : {},
            body: text,
          });
          await response.arrayBuffer();
          const where = `${target.method.toUpperCase()} ${openApiPath(target.path)} (${contentType}, ${text.length} chars: ${text.slice(0, 80)})`;
          expect(response.status, where).toBeLessThan(500);
          if (response.status >= 400) {
            // Pages for people (the unsubscribe form) answer in HTML; the API answers problem+json.
            if (target.path.startsWith("/v1/")) {
              expect(response.headers.get("content-type"), where).toContain("application/problem+json");
            }
            expect(await rowCounts(), where).toEqual(before);
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
      );
    }
  }, 600_000);
});
