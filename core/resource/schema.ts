import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";

export const Type = z.string().check(
  z.regex(/^[a-z][a-z0-9_.-]{0,49}$/, {
    message: "1–50 characters: lower-case letters, digits, '_', '.', '-', starting with a letter",
  }),
);

export const Status = z.enum(["active", "disabled"]);
export type Status = z.infer<typeof Status>;

export const Info = z.object({
  id: z.uuid(),
  orgId: z.uuid(),
  type: z.string(),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  status: z.string(),
  createdAt: z.isoDateTime(),
  updatedAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const ListQuery = z.extend(PageQuery, {
  type: z.optional(Type),
  status: z.optional(Status),
});
export type ListQuery = z.input<typeof ListQuery>;

export const Params = z.object({ orgId: z.uuid(), resourceId: z.uuid() });

export const Single = z.object({ resource: Info });
