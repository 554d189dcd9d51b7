import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";
import { Status, Type } from "./fields.ts";

/** The resource list's query: a page, filtered by type and status. */
export const ListQuery = z.extend(PageQuery, {
  type: z.optional(Type),
  status: z.optional(Status),
});
export type ListQuery = z.input<typeof ListQuery>;
