import { sql } from "kysely";
import type { UserActor } from "../actor/index.ts";
import * as Cache from "../cache/index.ts";
import { config } from "../config/index.ts";
import { useTransaction } from "../db/index.ts";
import {
  actorOf,
  cacheKeyOf,
  cacheTtlMs,
  hashToken,
  parseCached,
  toCached,
  unauthorized,
  type CachedSession,
  type Origin,
} from "./cache-entry.ts";
import { expiryOf, seconds } from "./expiry.ts";

/** Test seams: lets a test hold a validation between its database read and its cache refill. */
export interface AuthenticateHooks {
  afterDatabaseRead?: () => Promise<void>;
}

// Replaces the entry only if it still holds what the validator read, so a revocation's marker
// written in between is never overwritten.
const COMPARE_AND_SET = Cache.script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`);

/** The session behind a bearer token, or 401. Reads the cache; a miss reads the database and refills. */
export async function authenticate(token: string, origin: Origin, hooks: AuthenticateHooks = {}): Promise<UserActor> {
  const tokenHash = hashToken(token);
  const key = cacheKeyOf(tokenHash);
  const raw = await Cache.get(key);
  const hit = parseCached(raw);
  if (hit) {
    if (hit.expiresAt <= Date.now() || hit.status !== "active") throw unauthorized();
    if (!needsTouch(hit)) return actorOf(hit, origin);
    const touched = await touch(hit, tokenHash);
    const ttlMs = cacheTtlMs(touched);
    if (ttlMs > 0) {
      await Cache.withCache((redis) =>
        Cache.runScript(redis, COMPARE_AND_SET, [key], [raw!, JSON.stringify(touched), Math.ceil(ttlMs)]),
      );
    }
    return actorOf(touched, origin);
  }

  const startedAt = performance.now();
  let session = await load(tokenHash);
  await hooks.afterDatabaseRead?.();
  if (session?.status !== "active") throw unauthorized();
  if (needsTouch(session)) session = await touch(session, tokenHash);
  // Only a plain miss is refilled: a marker means the session just changed (see Cache.INVALIDATED),
  // and undefined means the cache could not be asked.
  if (raw === null) await Cache.refill(key, JSON.stringify(session), cacheTtlMs(session), startedAt);
  return actorOf(session, origin);
}

function needsTouch(session: CachedSession): boolean {
  return Date.now() - session.lastUsedAt >= config().session.touchSeconds * 1000;
}

async function load(tokenHash: string): Promise<CachedSession | undefined> {
  const expiry = expiryOf("s");
  const row = await useTransaction((tx) =>
    tx
      .selectFrom("user_sessions as s")
      .innerJoin("users as u", "u.id", "s.user_id")
      .select([
        "s.id",
        "s.user_id",
        "u.role",
        "u.status",
        "u.email",
        "u.display_name",
        "u.email_verified",
        "u.created_at as user_created_at",
        "u.updated_at as user_updated_at",
        "s.created_at",
        "s.last_used_at",
        expiry.as("expires_at"),
      ])
      .where("s.token_hash", "=", tokenHash)
      .where(sql<boolean>`${expiry} > now()`)
      .executeTakeFirst(),
  );
  if (!row) return undefined;
  return toCached(row, { ...row, created_at: row.user_created_at, updated_at: row.user_updated_at });
}

/**
 * Slides the idle timeout. Written at most once per SESSION_TOUCH_SECONDS, so a busy session
 * costs one write an hour, not one a request. No row means the session was revoked or expired.
 */
async function touch(session: CachedSession, tokenHash: string): Promise<CachedSession> {
  const { idleSeconds, absoluteSeconds } = config().session;
  const row = await useTransaction((tx) =>
    tx
      .updateTable("user_sessions as s")
      .set({
        last_used_at: sql<Date>`now()`,
        expires_at: sql<Date>`least(now() + ${seconds(idleSeconds)}, s.created_at + ${seconds(absoluteSeconds)})`,
      })
      .where("s.id", "=", session.id)
      .where("s.token_hash", "=", tokenHash)
      .where(sql<boolean>`${expiryOf("s")} > now()`)
      .returning(["s.last_used_at", "s.expires_at"])
      .executeTakeFirst(),
  );
  if (!row) {
    // Whatever revoked it confirmed its own marker; this one only saves the next reader a trip.
    await Cache.set(cacheKeyOf(tokenHash), Cache.INVALIDATED, { ttlMs: Cache.MARKER_TTL_MS });
    throw unauthorized();
  }
  return { ...session, lastUsedAt: row.last_used_at.getTime(), expiresAt: row.expires_at.getTime() };
}
