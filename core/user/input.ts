import * as z from "../zod/index.ts";
import { Label } from "../validation/schema.ts";
import { UserRole, UserStatus } from "./access.ts";

// What the writes' requests send: a read route parses its path (./params.ts) or its query
// (./query.ts) and builds none of the email, password and name rules at init, and no route builds
// the answer's shape (./schema.ts).

// Emails are stored lower-cased, so one address can't register twice in different cases.
export const Email = z.email().check(z.maxLength(255), z.toLowerCase());
export const Password = z.string().check(z.minLength(12), z.maxLength(256));
export const DisplayName = Label;

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
