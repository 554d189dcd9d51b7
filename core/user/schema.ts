import * as z from "../zod/index.ts";
import { UserRole, UserStatus } from "./access.ts";

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
