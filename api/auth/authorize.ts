// Who may call what: every route declares the scope it needs (api/route-definition.ts) and this
// middleware checks the caller's key against it. 401 without a valid key, 403 for a key whose scope
// does not cover the route, 429 when a key posts events faster than its bucket allows.
//
// Development without setup: outside production, while no key exists at all (no API_KEYS and no key
// ever created), every route is open and the API says so loudly at start. Creating the first key with
// `npm run keys -- create` closes it within OPEN_CHECK_MS, and it stays closed (revoked keys count).
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { TokenBuckets } from "../../domain/access/token-bucket.ts";
import type { NurtureflowConfig } from "../../domain/config.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { ProblemError } from "../problem.ts";
import { type ApiScope, type Authorizer, type RouteAccess, scopeAllows } from "../route-definition.ts";
import { presentedWriteKey } from "../write-keys.ts";
import { type ApiPrincipal, verifyApiKey } from "./api-keys.ts";

const OPEN_CHECK_MS = 2_000;
type Credentials = "bearer" | "write_key";
const DEVELOPMENT_PRINCIPAL: ApiPrincipal = {
  keyId: "development",
  scope: "admin",
  name: "open development mode",
};

export interface AccessControl {
  authorize: Authorizer;
}

/** The principal of an authorized request (set by the middleware). */
export function principalOf(req: Request): ApiPrincipal | undefined {
  return req.res?.locals.principal as ApiPrincipal | undefined;
}

function bearerToken(req: Request): string | null {
  const header = req.header("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? "";
}

export function createAccessControl(
  config: NurtureflowConfig,
  store: ContactStore,
  logger: Logger,
  now: () => number = Date.now,
): AccessControl {
  const buckets = config.ingestRateLimit ? new TokenBuckets(config.ingestRateLimit) : null;
  let openUntilChecked = 0;
  let open = !config.production && config.apiKeys.length === 0;
  let warned = false;

  async function developmentOpen(): Promise<boolean> {
    if (!open) return false;
    if (now() >= openUntilChecked) {
      open = (await store.apiKey.count()) === 0;
      openUntilChecked = now() + OPEN_CHECK_MS;
      if (open && !warned) {
        warned = true;
        logger.warn(
          "NO API KEYS: every /v1 route is open to anyone who can reach this port (development mode). " +
            "Create a key with `npm run keys -- create --scope admin` to close it; NODE_ENV=production refuses to start like this.",
        );
      }
    }
    return open;
  }

  async function principal(req: Request, credentials: Credentials): Promise<ApiPrincipal> {
    // Segment write keys come as the Basic-auth user name or writeKey in the body (api/write-keys.ts).
    const token = credentials === "write_key" ? (presentedWriteKey(req) ?? null) : bearerToken(req);
    if (token === null && (await developmentOpen())) return DEVELOPMENT_PRINCIPAL;
    const found = token ? await verifyApiKey(store, config, token) : null;
    if (!found) {
      const writeKey = credentials === "write_key";
      req.res?.set("WWW-Authenticate", `${writeKey ? "Basic" : "Bearer"} realm="nurtureflow"`);
      throw new ProblemError(
        401,
        "Unauthorized",
        writeKey
          ? "a valid write key is required (the Basic-auth user name, or writeKey in the body)"
          : "a valid API key is required (Authorization: Bearer <key>)",
      );
    }
    return found;
  }

  function check(required: ApiScope, found: ApiPrincipal, res: Response): void {
    if (!scopeAllows(found.scope, required)) {
      throw new ProblemError(
        403,
        "Forbidden",
        `this route needs a key with the ${required} scope; this key has ${found.scope}`,
      );
    }
    if (required !== "ingest" || !buckets || found === DEVELOPMENT_PRINCIPAL) return;
    const taken = buckets.take(found.keyId, now());
    if (!taken.allowed) {
      res.set("Retry-After", String(taken.retryAfterSeconds));
      throw new ProblemError(429, "Too Many Requests", "this key posts events faster than its rate limit");
    }
  }

  const guard =
    (required: ApiScope, credentials: Credentials): RequestHandler =>
    (req, res, next) => {
      principal(req, credentials)
        .then((found) => {
          check(required, found, res);
          res.locals.principal = found;
          next();
        })
        .catch(next);
    };

  return {
    authorize: (access: RouteAccess, credentials: Credentials = "bearer") =>
      access === "public" ? (_req, _res, next) => next() : guard(access, credentials),
  };
}
