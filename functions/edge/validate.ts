import type { z } from "zod";
import { VisibleError, type FieldError } from "@voxguard/core/error";

/** Parses one part of a request; every problem becomes a field error under that part's name. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, part: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new VisibleError("validation_failed", "The request is not valid", { errors: fieldErrors(result.error, part) });
}

export function fieldErrors(error: z.ZodError, part: string): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: [part, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}
