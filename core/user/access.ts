import * as z from "../zod/index.ts";
import { USER_ROLES } from "./roles.ts";

// What a user may do: their role, and whether the account may sign in. A module of its own, for
// the answer's shape (./schema.ts) and the admin's update (./input.ts) alike.

export const UserRole = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRole>;
export const UserStatus = z.enum(["active", "suspended"]);
export type UserStatus = z.infer<typeof UserStatus>;
