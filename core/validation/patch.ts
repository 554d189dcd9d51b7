import * as z from "../zod/index.ts";

/**
 * The body of a PATCH: only the given fields, each optional, and at least one of them sent (an
 * empty patch is a client mistake, not a no-op to answer 200).
 */
export function patchInput<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.strictObject(shape).check(
    z.refine((patch) => Object.values(patch).some((value) => value !== undefined), {
      message: `Send at least one of ${Object.keys(shape).join(", ")}`,
    }),
  );
}
