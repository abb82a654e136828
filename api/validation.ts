// Parses request parts with zod; a failure becomes a 400 problem naming each field, before anything is written.
import type { z } from "zod";
import { fieldProblems, ProblemError } from "./problem.ts";

export function parseOrThrow<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  part: string,
): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ProblemError(400, "Bad Request", `invalid ${part}`, fieldProblems(result.error));
  }
  return result.data;
}
