// Whether a failed request failed because the database could not be reached (down, restarting, its
// connections dropped or exhausted): the API then answers 503 with Retry-After, a state the client can
// wait out, rather than 500. The pool reconnects by itself once the database is back.

const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
// PostgreSQL: connection exceptions (08…), shutting down or starting up (57P01–57P03).
const POSTGRES_CODE = /^(08[0-9A-Z]{3}|57P0[1-3])$/;
const NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const { code, kind, cause, meta } = error as ErrorLike;
  if (
    typeof code === "string" &&
    (PRISMA_CODES.has(code) || NODE_CODES.has(code) || POSTGRES_CODE.test(code))
  )
    return true;
  if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
  // The driver adapter's verdict, for errors Prisma reports under a generic code (P2010 for raw queries).
  return (
    isDatabaseUnavailable(meta?.driverAdapterError, depth + 1) || isDatabaseUnavailable(cause, depth + 1)
  );
}
