// Temporal client errors name only the call that failed ("Failed to signalWithStart Workflow"); the
// reason is in the cause chain (a gRPC status with code and details). Logs carry the whole chain.
import { isGrpcServiceError } from "@temporalio/client";

export interface ErrorLink {
  name: string;
  message: string;
  code?: number | string;
  details?: string;
}

/** The error and each of its causes, outermost first, as plain data for a log line. */
export function errorChain(error: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8) {
    if (!(current instanceof Error)) {
      chain.push({ name: typeof current, message: String(current) });
      break;
    }
    const link: ErrorLink = { name: current.name, message: current.message };
    const { code, details } = current as { code?: unknown; details?: unknown };
    if (typeof code === "number" || typeof code === "string") link.code = code;
    if (typeof details === "string" && details !== current.message) link.details = details;
    chain.push(link);
    current = current.cause;
  }
  return chain;
}

/** One line: every message of the chain, so the cause survives where only a string is kept. */
export function errorSummary(error: unknown): string {
  return errorChain(error)
    .map((link) => (link.code === undefined ? link.message : `${link.message} [${link.code}]`))
    .join(" ← ");
}

// gRPC status codes (grpc/status.proto): DEADLINE_EXCEEDED 4, UNAVAILABLE 14.
const UNREACHABLE_CODES = new Set<number>([4, 14]);

/** Temporal could not be reached (or did not answer in time), as opposed to rejecting the request. */
export function isTemporalUnreachable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth += 1) {
    if (isGrpcServiceError(current)) return UNREACHABLE_CODES.has(current.code);
    if (/TransportError|ConnectionError/.test(current.name) || /ECONNREFUSED|connect/i.test(current.message))
      return true;
    current = current.cause;
  }
  return false;
}
