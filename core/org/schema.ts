import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";

/** Organization roles, strongest first: owner > admin > member > viewer. */
export const Role = z.enum(["owner", "admin", "member", "viewer"]);
export type Role = z.infer<typeof Role>;

export const Info = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  plan: z.string(),
  status: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  /** The caller's role; null for a platform administrator who is not a member. */
  role: z.nullable(Role),
  createdAt: z.isoDateTime(),
  updatedAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const ListQuery = PageQuery;
export type ListQuery = z.input<typeof ListQuery>;

export { Params } from "./params.ts";

export const Single = z.object({ org: Info });
