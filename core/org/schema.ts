import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";
import { patchInput } from "../validation/patch.ts";
import { BoundedJsonObject, Label } from "../validation/schema.ts";

/** Organization roles, strongest first: owner > admin > member > viewer. */
export const Role = z.enum(["owner", "admin", "member", "viewer"]);
export type Role = z.infer<typeof Role>;

export const Slug = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$/, {
    message: "3–100 characters: lower-case letters, digits and hyphens, starting and ending with a letter or digit",
  }),
);

export const Plan = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9_-]{0,49}$/, { message: "A plan name: lower-case, at most 50 characters" }));

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

export const CreateInput = z.strictObject({
  name: Label,
  slug: Slug,
  metadata: z.optional(BoundedJsonObject),
});
export type CreateInput = z.input<typeof CreateInput>;

export const UpdateInput = patchInput({
  name: z.optional(Label),
  metadata: z.optional(BoundedJsonObject),
  /** Platform administrators only. */
  plan: z.optional(Plan),
});
export type UpdateInput = z.input<typeof UpdateInput>;

export const ListQuery = PageQuery;
export type ListQuery = z.input<typeof ListQuery>;

export { Params } from "./params.ts";

export const Single = z.object({ org: Info });
