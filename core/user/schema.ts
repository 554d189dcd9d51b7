import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";

export const UserRole = z.enum(["user", "admin"]);
export type UserRole = z.infer<typeof UserRole>;
export const UserStatus = z.enum(["active", "suspended"]);
export type UserStatus = z.infer<typeof UserStatus>;

export const Info = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: UserRole,
  status: UserStatus,
  /** The owner of the address proved it (a mailed link, a password reset or an accepted invitation). */
  emailVerified: z.boolean(),
  createdAt: z.isoDateTime(),
  updatedAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const Single = z.object({ user: Info });

export const Params = z.object({ userId: z.uuid() });

export const ListQuery = z.extend(PageQuery, {
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});
export type ListQuery = z.input<typeof ListQuery>;
