import { hash } from "node:crypto";
import * as z from "../zod/index.ts";
import type { UserActor, UserProfile } from "../actor/index.ts";
import * as Cache from "../cache/index.ts";
import { config } from "../config/index.ts";
import { VisibleError } from "../error/index.ts";

export interface Origin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** What the cache holds for a session: enough to authenticate without the database. */
export const CachedSession = z.object({
  id: z.string(),
  userId: z.string(),
  role: z.enum(["user", "admin"]),
  status: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number(),
  expiresAt: z.number(),
  // The user's own account, so GET /me costs no second read. An entry without it (written by an
  // older release) fails to parse and is read again from the database, as a miss is.
  profile: z.object({
    email: z.string(),
    displayName: z.string(),
    emailVerified: z.boolean(),
    createdAt: z.isoDateTime(),
    updatedAt: z.isoDateTime(),
  }),
});
export type CachedSession = z.infer<typeof CachedSession>;

export function hashToken(token: string): string {
  // One-shot: no Hash object a request (this runs on every authenticated one).
  return hash("sha256", token, "hex");
}

export function cacheKeyOf(tokenHash: string): string {
  return Cache.cacheKey("session", tokenHash);
}

export function unauthorized(): VisibleError {
  return new VisibleError("unauthorized", "The session is missing, expired or revoked");
}

export function cacheTtlMs(session: CachedSession): number {
  return Math.min(session.expiresAt - Date.now(), config().session.cacheSeconds * 1000);
}

export function parseCached(raw: string | null | undefined): CachedSession | undefined {
  if (!raw || raw === Cache.INVALIDATED) return undefined;
  try {
    const parsed = CachedSession.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function actorOf(session: CachedSession, origin: Origin): UserActor {
  const actor: UserActor = {
    type: "user",
    userId: session.userId,
    sessionId: session.id,
    role: session.role,
    ip: origin.ip,
    userAgent: origin.userAgent,
  };
  if (session.profile) actor.profile = session.profile;
  return actor;
}

export interface ProfileColumns {
  email: string;
  display_name: string;
  email_verified: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A session row and its user's columns as the cache holds them. */
export interface SessionColumns {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
}

export function toCached(
  session: SessionColumns,
  user: ProfileColumns & { role: string; status: string },
): CachedSession {
  return {
    id: session.id,
    userId: session.user_id,
    role: user.role === "admin" ? "admin" : "user",
    status: user.status,
    createdAt: session.created_at.getTime(),
    lastUsedAt: session.last_used_at.getTime(),
    expiresAt: session.expires_at.getTime(),
    profile: profileOf(user),
  };
}

function profileOf(user: ProfileColumns): UserProfile {
  return {
    email: user.email,
    displayName: user.display_name,
    emailVerified: user.email_verified,
    createdAt: user.created_at.toISOString(),
    updatedAt: user.updated_at.toISOString(),
  };
}
