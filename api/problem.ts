// RFC 9457 problem details: every error the API returns has this shape.
import type { Response } from "express";
import type { z } from "zod";

export interface FieldProblem {
  field: string;
  message: string;
  /** For a problem inside a document field (a template's MJML): its 1-based line. */
  line?: number;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldProblem[],
  ) {
    super(detail ?? title);
  }
}

export function notFound(what: string): ProblemError {
  return new ProblemError(404, "Not Found", `${what} not found`);
}

/** Names each offending field by its path, e.g. `events.3.occurredAt`. */
export function fieldProblems(error: z.ZodError, prefix = ""): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "(body)",
    message: issue.message,
  }));
}

export function sendProblem(res: Response, problem: ProblemError): void {
  res
    .status(problem.status)
    .type("application/problem+json")
    .json({
      type: "about:blank",
      title: problem.title,
      status: problem.status,
      ...(problem.detail ? { detail: problem.detail } : {}),
      ...(problem.errors ? { errors: problem.errors } : {}),
    });
}
