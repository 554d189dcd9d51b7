import * as z from "../zod/index.ts";

/** What the verification route parses; apart from the result it answers (./schema.ts). */
export const VerifyQuery = z.object({
  /** Inclusive: seals covering any event created at or after it. */
  from: z.optional(z.isoDateTime({ offset: true })),
  /** Exclusive. */
  to: z.optional(z.isoDateTime({ offset: true })),
});
export type VerifyQuery = z.output<typeof VerifyQuery>;
