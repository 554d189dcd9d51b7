import * as z from "../zod/index.ts";

// What a user may do: their role, and whether the account may sign in. A module of its own, for
// the answer's shape (./schema.ts) and the admin's update (./input.ts) alike.

export const UserRole = z.enum(["user", "admin"]);
export type UserRole = z.infer<typeof UserRole>;
export const UserStatus = z.enum(["active", "suspended"]);
export type UserStatus = z.infer<typeof UserStatus>;
