import * as z from "../zod/index.ts";
import { PageQuery } from "../pagination/schema.ts";
import { Label } from "../validation/schema.ts";

export const UserRole = z.enum(["user", "admin"]);
export type UserRole = z.infer<typeof UserRole>;
export const UserStatus = z.enum(["active", "suspended"]);
export type UserStatus = z.infer<typeof UserStatus>;

// Emails are stored lower-cased, so one address can't register twice in different cases.
export const Email = z.email().check(z.maxLength(255), z.toLowerCase());
export const Password = z.string().check(z.minLength(12), z.maxLength(256));
export const DisplayName = Label;

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

export const CreateInput = z.object({ email: Email, password: Password, displayName: DisplayName });
export type CreateInput = z.input<typeof CreateInput>;

export const UpdateInput = z.object({ displayName: DisplayName });
export type UpdateInput = z.input<typeof UpdateInput>;

export const ChangePasswordInput = z.object({
  // Any length: a wrong current password is answered invalid_credentials, not a validation error.
  currentPassword: z.string().check(z.minLength(1), z.maxLength(256)),
  newPassword: Password,
});
export type ChangePasswordInput = z.input<typeof ChangePasswordInput>;

export const AdminUpdateInput = z.object({ status: z.optional(UserStatus), role: z.optional(UserRole) }).check(
  z.refine((input) => input.status !== undefined || input.role !== undefined, {
    message: "Send status, role or both",
  }),
);
export type AdminUpdateInput = z.input<typeof AdminUpdateInput>;

export const Params = z.object({ userId: z.uuid() });

export const ListQuery = z.extend(PageQuery, {
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});
export type ListQuery = z.input<typeof ListQuery>;
