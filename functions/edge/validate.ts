import type * as z from "@voxguard/core/zod";
import { VisibleError, type FieldError } from "@voxguard/core/error";
import { fieldErrors, textProblem } from "@voxguard/core/validation";

/** Parses one part of a request; every problem becomes a field error under that part's name. */
export function validate<T extends z.ZodMiniType>(schema: T, value: unknown, part: string): z.output<T> {
  const unstorable = unstorableText(value, part);
  if (unstorable) throw new VisibleError("validation_failed", "The request is not valid", { errors: [unstorable] });
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new VisibleError("validation_failed", "The request is not valid", { errors: fieldErrors(result.error, part) });
}

interface Step {
  key: string;
  parent: Step | undefined;
}

function pathOf(step: Step): string {
  const keys: string[] = [];
  for (let at: Step | undefined = step; at; at = at.parent) keys.push(at.key);
  return keys.reverse().slice(0, 20).join(".");
}

/**
 * PostgreSQL's text and jsonb hold neither NUL nor unpaired surrogates: a string with one fails its
 * query (a 500), or is stored altered, or makes the audit event that carries it unstorable. Every
 * string and key of every part of every route is held to that here, whatever the field's schema.
 * Iterative, and the path is built only for the answer: a body nested thousands deep costs a loop,
 * not a stack or a path string per level.
 */
function unstorableText(value: unknown, part: string): FieldError | undefined {
  const stack: [unknown, Step][] = [[value, { key: part, parent: undefined }]];
  while (stack.length > 0) {
    const [current, step] = stack.pop()!;
    if (typeof current === "string") {
      const message = textProblem(current);
      if (message) return { path: pathOf(step), message };
    } else if (typeof current === "object" && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        const at = { key, parent: step };
        const message = textProblem(key);
        if (message) return { path: pathOf(at), message: `keys ${message}` };
        stack.push([item, at]);
      }
    }
  }
  return undefined;
}
