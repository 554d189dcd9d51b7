import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";

/** The user list's query: a page, and text to look for in emails and display names. */
export const ListQuery = z.extend(PageQuery, {
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});
export type ListQuery = z.input<typeof ListQuery>;
