/**
 * The platform roles a user may hold. Plain values apart from their schema (./access.ts), so that a
 * module that only checks a role, the cached session on every request, builds no zod at start.
 */
export const USER_ROLES = ["user", "admin"] as const;
export type UserRoleName = (typeof USER_ROLES)[number];

export function isUserRole(value: unknown): value is UserRoleName {
  return (USER_ROLES as readonly unknown[]).includes(value);
}
