import * as z from "../zod/index.ts";
import { notFound, VisibleError, type FieldError } from "../error/index.ts";

// Not the schemas (./schema.ts, imported from there): every route's edge imports this module, and
// re-exporting them would build Label and BoundedJsonObject in functions that never use them.
export { textProblem } from "./text.ts";

/**
 * Parses an operation's input at the core boundary: the same schemas the route table uses, so a
 * caller that is not the HTTP edge (a script, a test, another operation) gets the same rules.
 */
export function input<T extends z.ZodMiniType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new VisibleError("validation_failed", "The request is not valid", { errors: fieldErrors(result.error) });
}

/** zod's issues as the API's field errors; `part` names where the value came from (body, query). */
export function fieldErrors(error: z.core.$ZodError, part?: string): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: [...(part ? [part] : []), ...issue.path.map(String)].join(".") || "$",
    message: issue.message,
  }));
}

/** A time range's ends as dates, `from` before `to`; `part` names where they came from (query, body). */
export function timeRange(
  from: string | undefined,
  to: string | undefined,
  part: string,
): { from: Date | undefined; to: Date | undefined } {
  const range = { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
  if (range.from && range.to && range.from.getTime() >= range.to.getTime()) {
    throw new VisibleError("validation_failed", "`from` must be before `to`", {
      errors: [{ path: `${part}.from`, message: "Must be before to" }],
    });
  }
  return range;
}

const Id = z.uuid();

/** A malformed id names nothing: the same not_found as an id that is not there (or not yours). */
export function existingId(value: string, what: string): string {
  const parsed = Id.safeParse(value);
  if (!parsed.success) throw notFound(what);
  return parsed.data;
}
