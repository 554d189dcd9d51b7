import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { sql } from "kysely";
import type { PlatformRole } from "../actor/index.ts";
import * as Cache from "../cache/index.ts";
import { config } from "../config/index.ts";
import { afterCommit, transaction } from "../db/index.ts";
import { cacheKeyOf, cacheTtlMs, hashToken, toCached, type Origin } from "./cache-entry.ts";
import { seconds } from "./expiry.ts";

export interface CreatedSession {
  id: string;
  token: string;
  expiresAt: Date;
}

export interface SessionUser {
  id: string;
  role: PlatformRole;
  status: string;
}

function cleanIp(ip: string | undefined): string | null {
  return ip && isIP(ip) ? ip : null;
}

/**
 * Issues a session for `user` (login, registration, password change). Inside a transaction the
 * row commits with it; the cache is filled only after the commit.
 */
export async function create(user: SessionUser, origin: Origin): Promise<CreatedSession> {
  const token = randomBytes(32).toString("base64url");
  const tokenHash = hashToken(token);
  const { idleSeconds, absoluteSeconds } = config().session;
  // A transaction of its own when the caller has none: the lock below must last until the commit.
  const { account, row } = await transaction(async (tx) => {
    // What gets cached is read here, not taken from the caller, and FOR SHARE makes it current:
    // a change to the user still in flight (they all update the row before they invalidate its
    // sessions) is waited for and then read, and one that comes later waits until this session is
    // committed, where its invalidation finds it. Either way no copy older than the row is cached.
    const account = await tx
      .selectFrom("users")
      .select(["role", "status", "email", "display_name", "email_verified", "created_at", "updated_at"])
      .where("id", "=", user.id)
      .forShare()
      .executeTakeFirstOrThrow();
    const row = await tx
      .insertInto("user_sessions")
      .values({
        user_id: user.id,
        token_hash: tokenHash,
        expires_at: sql<Date>`now() + ${seconds(Math.min(idleSeconds, absoluteSeconds))}`,
        created_at: sql<Date>`now()`,
        last_used_at: sql<Date>`now()`,
        ip_address: cleanIp(origin.ip),
        user_agent: origin.userAgent?.slice(0, 512) ?? null,
      })
      .returning(["id", "created_at", "last_used_at", "expires_at"])
      .executeTakeFirstOrThrow();
    return { account, row };
  });
  const cached = toCached({ ...row, user_id: user.id }, account);
  // The first request with the new token is then a cache hit.
  await afterCommit(() =>
    Cache.set(cacheKeyOf(tokenHash), JSON.stringify(cached), { ttlMs: cacheTtlMs(cached), onlyIfAbsent: true }),
  );
  return { id: row.id, token, expiresAt: row.expires_at };
}
