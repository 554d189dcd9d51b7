import type { UserRoleName } from "../user/roles.ts";

export type PlatformRole = UserRoleName;

interface Origin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** The caller's own account, as the session's cache entry holds it. */
export interface UserProfile {
  email: string;
  displayName: string;
  emailVerified: boolean;
  /** ISO 8601, as answered. */
  createdAt: string;
  updatedAt: string;
}

export interface UserActor extends Origin {
  type: "user";
  userId: string;
  sessionId: string;
  role: PlatformRole;
  /** Lets GET /me answer without reading the user again. Only Session.authenticate sets it. */
  profile?: UserProfile | undefined;
}

export interface PublicActor extends Origin {
  type: "public";
}

export type Actor = UserActor | PublicActor;

export function isPlatformAdmin(actor: Actor): boolean {
  return actor.type === "user" && actor.role === "admin";
}
