import { hash } from "node:crypto";
import type { UserActor, UserProfile } from "../actor/index.ts";
import * as Cache from "../cache/index.ts";
import { config } from "../config/index.ts";
import { VisibleError } from "../error/index.ts";
import { isUserRole, type UserRoleName } from "../user/roles.ts";

export interface Origin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** What the cache holds for a session: enough to authenticate without the database. */
export interface CachedSession {
  id: string;
  userId: string;
  role: UserRoleName;
  status: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** The user's own account, so GET /me costs no second read. */
  profile: UserProfile;
}

/** What Date#toISOString writes, as toCached stores it (the only writer: the form, not the calendar). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * A cached entry as this release writes it, copied field by field (so nothing else rides along), or
 * undefined. An entry without the profile (written by an older release) or with any field amiss is
 * read again from the database, as a miss is. Checked by hand rather than by a zod schema: this runs
 * on every authenticated request, and the schema was 14 zod objects every function built at start.
 */
function cachedOf(value: unknown): CachedSession | undefined {
  if (!isRecord(value) || !isRecord(value.profile)) return undefined;
  const { id, userId, role, status, createdAt, lastUsedAt, expiresAt, profile } = value;
  const { email, displayName, emailVerified } = profile;
  const [created, updated] = [profile.createdAt, profile.updatedAt];
  const valid =
    typeof id === "string" &&
    typeof userId === "string" &&
    isUserRole(role) &&
    typeof status === "string" &&
    typeof createdAt === "number" &&
    typeof lastUsedAt === "number" &&
    typeof expiresAt === "number" &&
    typeof email === "string" &&
    typeof displayName === "string" &&
    typeof emailVerified === "boolean" &&
    typeof created === "string" &&
    ISO_TIME.test(created) &&
    typeof updated === "string" &&
    ISO_TIME.test(updated);
  if (!valid) return undefined;
  return {
    id,
    userId,
    role,
    status,
    createdAt,
    lastUsedAt,
    expiresAt,
    profile: { email, displayName, emailVerified, createdAt: created, updatedAt: updated },
  };
}

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
    return cachedOf(JSON.parse(raw));
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
