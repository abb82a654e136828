// The route registry: each HTTP route is declared once (method, path, who may call it, its zod
// schemas and its handler). Express mounts the definitions and the OpenAPI document is generated
// from the same definitions, so a route cannot exist without being documented, or the other way round.
import express, { type Request, type RequestHandler, type Response, Router } from "express";
import { z } from "zod";
import { rejectUnsafeJson } from "./json-guard.ts";
import { fieldProblems, ProblemError } from "./problem.ts";

export const API_SCOPES = ["read", "ingest", "write", "admin"] as const;
/** What an API key may do: read (GETs), ingest (post events only), write (contacts, events, stages), admin. */
export type ApiScope = (typeof API_SCOPES)[number];
/** Who may call a route; "public" needs no key (email links carry their own signed token). */
export type RouteAccess = ApiScope | "public";

const GRANTS: Readonly<Record<ApiScope, readonly ApiScope[]>> = {
  read: ["read"],
  // An ingest key is safe to embed in a web page: it can post events and nothing else.
  ingest: ["ingest"],
  write: ["read", "ingest", "write"],
  admin: ["read", "ingest", "write", "admin"],
};

export function scopeAllows(granted: ApiScope, required: ApiScope): boolean {
  return GRANTS[granted].includes(required);
}

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface RouteResponse {
  description: string;
  /** The body's shape; omitted for bodies that are not JSON or not described. */
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

type Parsed<Schema> = Schema extends z.ZodType ? z.infer<Schema> : undefined;

export interface RouteInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  req: Request;
  res: Response;
}

export interface RouteDefinition<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: HttpMethod;
  /** Express-style path from the root, e.g. "/v1/contacts/:id". */
  path: string;
  access: RouteAccess;
  summary: string;
  description?: string;
  tags?: string[];
  /** Path parameters; a value that does not parse names nothing, so it is a 404 (`notFoundWhat`). */
  params?: P;
  notFoundWhat?: string;
  query?: Q;
  body?: B;
  /** What a bad body is called in the 400 detail, e.g. "contact". */
  bodyName?: string;
  /**
   * For a body that is a union (one item or a batch): picks the member the raw body means, so a 400
   * names that member's own fields (`events.3.occurredAt`) instead of "matches no alternative".
   */
  bodyVariant?: (raw: unknown) => { schema: z.ZodType; name: string };
  /** Named request examples shown by /docs; without them the body schema's first `examples` entry is used. */
  bodyExamples?: Record<string, { summary: string; value: unknown }>;
  /** Whether a body may be omitted (then it parses `{}`). */
  bodyOptional?: boolean;
  /** The largest body the route accepts, as express.json understands it ("100kb", "5mb"); DEFAULT_BODY_LIMIT. */
  bodyLimit?: string;
  /**
   * How the caller presents its key: a Bearer API key (the default), or a Segment write key, as the
   * Basic-auth user name or `writeKey` in the body (so the body is parsed before the check).
   */
  credentials?: "bearer" | "write_key";
  /**
   * Media types of the body (default application/json). JSON is parsed for every type but
   * application/x-www-form-urlencoded, which is parsed as a form (browser beacons send JSON as text/plain).
   */
  bodyTypes?: readonly string[];
  responses: Record<number, RouteResponse>;
  handle: (input: RouteInput<P, Q, B>) => unknown;
}

/** Keeps the schema types of one definition tied to its handler's input. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(definition: RouteDefinition<P, Q, B>): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

export const DEFAULT_BODY_LIMIT = "1mb";
const FORM = "application/x-www-form-urlencoded";

/** Chooses the middleware that checks the caller for a route's access (API keys live in api/auth). */
export type Authorizer = (access: RouteAccess, credentials: "bearer" | "write_key") => RequestHandler;

function parsePart(schema: z.ZodType, input: unknown, part: string): unknown {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ProblemError(400, "Bad Request", `invalid ${part}`, fieldProblems(result.error));
  }
  return result.data;
}

function bodyTypesOf(route: RouteDefinition): readonly string[] {
  return route.bodyTypes ?? ["application/json"];
}

/** Parses the body in the route's media types and limit; too large is a 413 naming that limit. */
function bodyParsers(route: RouteDefinition): RequestHandler[] {
  if (!route.body) return [];
  const limit = route.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const types = bodyTypesOf(route);
  const jsonTypes = types.filter((type) => type !== FORM);
  const parsers = [
    ...(jsonTypes.length > 0 ? [express.json({ limit, type: jsonTypes })] : []),
    ...(types.includes(FORM) ? [express.urlencoded({ extended: false, limit })] : []),
  ];
  return [
    ...parsers.map(
      (parser): RequestHandler =>
        (req, res, next) =>
          parser(req, res, (error?: unknown) => {
            if ((error as { type?: string } | undefined)?.type === "entity.too.large") {
              const bytes = (error as { limit?: number }).limit;
              const detail = `the body exceeds this route's limit of ${limit}${bytes ? ` (${bytes} bytes)` : ""}`;
              return next(new ProblemError(413, "Content Too Large", detail));
            }
            next(error);
          }),
    ),
    rejectUnsafeJson,
  ];
}

function parseBody(route: RouteDefinition & { body: z.ZodType }, raw: unknown): unknown {
  const given = raw === undefined && route.bodyOptional ? {} : raw;
  const variant = route.bodyVariant?.(given);
  return parsePart(variant?.schema ?? route.body, given, variant?.name ?? route.bodyName ?? "body");
}

/** An express router serving the definitions, each behind its access check and body parser. */
export function mountRoutes(routes: readonly RouteDefinition[], authorize: Authorizer): Router {
  const router = Router();
  for (const route of routes) {
    const credentials = route.credentials ?? "bearer";
    const bodyParser = bodyParsers(route);
    const check = authorize(route.access, credentials);
    const handlers: RequestHandler[] =
      credentials === "write_key" ? [...bodyParser, check] : [check, ...bodyParser];
    handlers.push(async (req, res) => {
      let params: unknown;
      if (route.params) {
        const parsed = route.params.safeParse(req.params);
        if (!parsed.success)
          throw new ProblemError(404, "Not Found", `${route.notFoundWhat ?? "resource"} not found`);
        params = parsed.data;
      }
      const query = route.query ? parsePart(route.query, req.query, "query") : undefined;
      const body = route.body
        ? parseBody(route as RouteDefinition & { body: z.ZodType }, req.body)
        : undefined;
      await route.handle({ params, query, body, req, res } as RouteInput<never, never, never>);
    });
    router[route.method](route.path, ...handlers);
  }
  return router;
}

const PROBLEM = {
  "application/problem+json": {
    schema: {
      type: "object",
      properties: {
        type: { type: "string" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        errors: {
          type: "array",
          items: {
            type: "object",
            properties: { field: { type: "string" }, message: { type: "string" }, line: { type: "integer" } },
          },
        },
      },
    },
  },
};

const STANDARD_PROBLEMS: Readonly<Record<number, string>> = {
  400: "Problem details naming each offending field",
  401: "No valid API key",
  403: "The key's scope does not allow this route",
  404: "No such resource",
};

/** Schemas shared by reference (`components.schemas`), by name. */
export type SharedSchemas = Record<string, unknown>;

function rewriteRefs(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, names));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === "$ref" && typeof child === "string" && names.has(child)
        ? names.get(child)
        : rewriteRefs(child, names),
    ]),
  );
}

/**
 * The JSON Schema of a zod schema. Recursive parts (a sequence's nested steps) come out of zod as
 * `$defs` referenced from the schema's root; in an OpenAPI document a `#/...` reference means the
 * document's root, so they move to `components.schemas` under names unique in the document.
 */
function jsonSchema(
  schema: z.ZodType,
  io: "input" | "output",
  shared: SharedSchemas,
): Record<string, unknown> {
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  const defs = Object.entries(($defs ?? {}) as Record<string, unknown>);
  const names = new Map<string, string>();
  for (const [name] of defs) {
    names.set(`#/$defs/${name}`, `#/components/schemas/Shared${Object.keys(shared).length + names.size + 1}`);
  }
  for (const [name, def] of defs) {
    shared[(names.get(`#/$defs/${name}`) as string).split("/").pop() as string] = rewriteRefs(def, names);
  }
  const examples = schema.meta()?.examples;
  return {
    ...(rewriteRefs(rest, names) as Record<string, unknown>),
    // zod leaves examples out of input schemas when the schema transforms its values; they are inputs.
    ...(Array.isArray(examples) ? { examples } : {}),
  };
}

/** "/v1/contacts/:id" → "/v1/contacts/{id}" */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

function parameters(route: RouteDefinition, shared: SharedSchemas): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [];
  const add = (schema: z.ZodType | undefined, where: "path" | "query") => {
    if (!schema) return;
    const object = jsonSchema(schema, "input", shared) as {
      properties?: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      list.push({
        name,
        in: where,
        required: where === "path" || (object.required ?? []).includes(name),
        schema: propertySchema,
        ...(typeof description === "string" ? { description } : {}),
      });
    }
  };
  add(route.params, "path");
  add(route.query, "query");
  return list;
}

/** A media type object: the schema, and its first `examples` entry as the example /docs shows. */
function mediaType(
  schema: z.ZodType,
  io: "input" | "output",
  shared: SharedSchemas,
): Record<string, unknown> {
  const json = jsonSchema(schema, io, shared);
  const examples = json.examples;
  return {
    schema: json,
    ...(Array.isArray(examples) && examples.length > 0 ? { example: examples[0] } : {}),
  };
}

function requestBody(
  route: RouteDefinition & { body: z.ZodType },
  shared: SharedSchemas,
): Record<string, unknown> {
  const limit = route.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const media = mediaType(route.body, "input", shared);
  if (route.bodyExamples) {
    delete media.example;
    media.examples = route.bodyExamples;
  }
  return {
    required: !route.bodyOptional,
    description: `At most ${limit}; a larger body is answered 413.`,
    "x-body-limit": limit,
    content: Object.fromEntries(bodyTypesOf(route).map((type) => [type, media])),
  };
}

function operation(route: RouteDefinition, shared: SharedSchemas): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? {
            content: {
              [response.contentType ?? "application/json"]: mediaType(response.schema, "output", shared),
            },
          }
        : response.contentType
          ? { content: { [response.contentType]: {} } }
          : {}),
    };
  }
  const implied: number[] = [];
  if (route.body || route.query) implied.push(400);
  if (route.params) implied.push(404);
  if (route.body) implied.push(413);
  if (route.access !== "public") implied.push(401, 403);
  for (const status of implied) {
    const description =
      status === 413
        ? `The body is larger than this route's limit of ${route.bodyLimit ?? DEFAULT_BODY_LIMIT}`
        : STANDARD_PROBLEMS[status];
    responses[status] ??= { description, content: PROBLEM };
  }
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.tags ? { tags: route.tags } : {}),
    ...(route.access === "public" ? { security: [] } : { "x-required-scope": route.access }),
    ...(parameters(route, shared).length > 0 ? { parameters: parameters(route, shared) } : {}),
    ...(route.body
      ? { requestBody: requestBody(route as RouteDefinition & { body: z.ZodType }, shared) }
      : {}),
    responses,
  };
}

/** The OpenAPI `paths` object of the definitions; the schemas they share by reference go into `shared`. */
export function openApiPaths(
  routes: readonly RouteDefinition[],
  shared: SharedSchemas = {},
): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    if (paths[path][route.method])
      throw new Error(`route ${route.method.toUpperCase()} ${route.path} is defined twice`);
    paths[path][route.method] = operation(route, shared);
  }
  return paths;
}
