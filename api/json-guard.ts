// JSON that parses but that PostgreSQL or our code cannot take safely: NUL characters (refused in text
// and jsonb, which would surface as a 500 after part of a request was handled), lone UTF-16 surrogates
// (not valid Unicode: refused by jsonb) and nesting deeper than any of our schemas needs (recursion
// cost). Checked right after parsing, before any schema or handler: a 400 naming the field.
import type { RequestHandler } from "express";
import { ProblemError } from "./problem.ts";

export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unsafeText = (text: string) => text.includes("\0") || LONE_SURROGATE.test(text);

export interface JsonProblem {
  field: string;
  message: string;
}

const TEXT_PROBLEM = "must not contain NUL characters or unpaired surrogates";
const NAME_PROBLEM = "names must not contain NUL characters or unpaired surrogates";
const fieldAt = (path: readonly string[]) => path.join(".") || "(body)";

/** The first problem found, or null for JSON that is safe to store. */
export function unsafeJson(value: unknown): JsonProblem | null {
  return firstProblem(value, []);
}

// One path array for the whole walk and no function made per value: every value of a batch of 1,000
// events passes here, and a path and a closure per value cost 4 to 5 ms a batch (BENCHMARKS.md,
// "Events ingestion").
function firstProblem(value: unknown, path: string[]): JsonProblem | null {
  if (typeof value === "string")
    return unsafeText(value) ? { field: fieldAt(path), message: TEXT_PROBLEM } : null;
  if (typeof value !== "object" || value === null) return null;
  if (path.length >= MAX_JSON_DEPTH)
    return { field: fieldAt(path), message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  for (const key of Object.keys(value)) {
    path.push(key);
    const problem = unsafeText(key)
      ? { field: fieldAt(path), message: NAME_PROBLEM }
      : firstProblem((value as Record<string, unknown>)[key], path);
    path.pop();
    if (problem) return problem;
  }
  return null;
}

export const rejectUnsafeJson: RequestHandler = (req, _res, next) => {
  const problem = unsafeJson(req.body);
  if (!problem) return next();
  next(new ProblemError(400, "Bad Request", "the body holds text that cannot be stored", [problem]));
};
