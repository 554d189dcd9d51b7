import * as z from "../zod/index.ts";
import { Role } from "../org/schema.ts";
import { PageQuery } from "../pagination/schema.ts";

export { Role } from "../org/schema.ts";

export const Info = z.object({
  userId: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: Role,
  createdAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const ListQuery = PageQuery;
export type ListQuery = z.input<typeof ListQuery>;

export const Params = z.object({ orgId: z.uuid(), userId: z.uuid() });

export const Single = z.object({ member: Info });
