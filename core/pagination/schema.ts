import * as z from "../zod/index.ts";

export const PageQuery = z.object({
  limit: z._default(z.coercedNumber().check(z.int(), z.minimum(1), z.maximum(200)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
});
export type PageQuery = z.output<typeof PageQuery>;

export function Page<T extends z.ZodMiniType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });
}
