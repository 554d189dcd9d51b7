import { hash, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { sql, type DeleteQueryBuilder, type DeleteResult, type RawBuilder } from "kysely";
import * as z from "../zod/index.ts";
import type { PlatformRole, UserActor, UserProfile } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import * as Cache from "../cache/index.ts";
import { config } from "../config/index.ts";
import { afterCommit, db, retrying, transaction, useTransaction, type Database } from "../db/index.ts";
import { VisibleError, notFound } from "../error/index.ts";
import { input } from "../validation/index.ts";
import { SessionParams, type SessionInfo } from "./schema.ts";

export * from "./schema.ts";

export interface Origin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export const MAX_CLEANUP_BATCH = 5_000;

/** What the cache holds for a session: enough to authenticate without the database. */
const CachedSession = z.object({
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
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  }),
});
type CachedSession = z.infer<typeof CachedSession>;

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

export function hashToken(token: string): string {
  // One-shot: no Hash object a request (this runs on every authenticated one).
  return hash("sha256", token, "hex");
}

function cacheKeyOf(tokenHash: string): string {
  return Cache.cacheKey("session", tokenHash);
}

function unauthorized(): VisibleError {
  return new VisibleError("unauthorized", "The session is missing, expired or revoked");
}

function seconds(value: number): RawBuilder<unknown> {
  return sql`make_interval(secs => ${value})`;
}

/** When a session stops working: idle timeout after its last use, or its absolute lifetime. */
function expiryOf(alias: string): RawBuilder<Date> {
  const { idleSeconds, absoluteSeconds } = config().session;
  const s = sql.table(alias);
  // Recomputed from the timestamps rather than trusting expires_at alone, so a shortened timeout
  // applies to existing sessions at once.
  return sql<Date>`least(${s}.expires_at, ${s}.last_used_at + ${seconds(idleSeconds)}, ${s}.created_at + ${seconds(absoluteSeconds)})`;
}

function cacheTtlMs(session: CachedSession): number {
  return Math.min(session.expiresAt - Date.now(), config().session.cacheSeconds * 1000);
}

function parseCached(raw: string | null | undefined): CachedSession | undefined {
  if (!raw || raw === Cache.INVALIDATED) return undefined;
  try {
    const parsed = CachedSession.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function actorOf(session: CachedSession, origin: Origin): UserActor {
  const actor: UserActor = { type: "user", userId: session.userId, sessionId: session.id, role: session.role, ip: origin.ip, userAgent: origin.userAgent };
  if (session.profile) actor.profile = session.profile;
  return actor;
}

interface ProfileColumns {
  email: string;
  display_name: string;
  email_verified: boolean;
  created_at: Date;
  updated_at: Date;
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
  const cached: CachedSession = {
    id: row.id,
    userId: user.id,
    role: account.role === "admin" ? "admin" : "user",
    status: account.status,
    createdAt: row.created_at.getTime(),
    lastUsedAt: row.last_used_at.getTime(),
    expiresAt: row.expires_at.getTime(),
    profile: profileOf(account),
  };
  // The first request with the new token is then a cache hit.
  await afterCommit(() => Cache.set(cacheKeyOf(tokenHash), JSON.stringify(cached), { ttlMs: cacheTtlMs(cached), onlyIfAbsent: true }));
  return { id: row.id, token, expiresAt: row.expires_at };
}

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
      await Cache.withCache((redis) => Cache.runScript(redis, COMPARE_AND_SET, [key], [raw!, JSON.stringify(touched), Math.ceil(ttlMs)]));
    }
    return actorOf(touched, origin);
  }

  const startedAt = performance.now();
  let session = await load(tokenHash);
  await hooks.afterDatabaseRead?.();
  if (!session || session.status !== "active") throw unauthorized();
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
  return {
    id: row.id,
    userId: row.user_id,
    role: row.role === "admin" ? "admin" : "user",
    status: row.status,
    createdAt: row.created_at.getTime(),
    lastUsedAt: row.last_used_at.getTime(),
    expiresAt: row.expires_at.getTime(),
    profile: profileOf({
      email: row.email,
      display_name: row.display_name,
      email_verified: row.email_verified,
      created_at: row.user_created_at,
      updated_at: row.user_updated_at,
    }),
  };
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

/**
 * Invalidates each session's cache entry before the surrounding transaction commits, or fails it
 * with 503 when the cache can't confirm (Cache.invalidate): once a revocation has answered, no
 * process accepts the old session or its old role or status.
 */
async function markInvalid(tokenHashes: string[]): Promise<void> {
  await Cache.invalidate(tokenHashes.map(cacheKeyOf));
}

/** The caller's live sessions, newest first. */
export async function list(actor: UserActor): Promise<SessionInfo[]> {
  const expiry = expiryOf("s");
  const rows = await useTransaction((tx) =>
    tx
      .selectFrom("user_sessions as s")
      .select([
        "s.id",
        "s.ip_address",
        "s.user_agent",
        "s.created_at",
        "s.last_used_at",
        expiry.as("expires_at"),
      ])
      .where("s.user_id", "=", actor.userId)
      .where(sql<boolean>`${expiry} > now()`)
      .orderBy("s.created_at", "desc")
      .orderBy("s.id", "desc")
      .execute(),
  );
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    current: row.id === actor.sessionId,
  }));
}

type SessionDelete = DeleteQueryBuilder<Database, "user_sessions", DeleteResult>;

/**
 * Deletes the user's sessions that `narrow` keeps (all of them by default) and invalidates their
 * cache entries before the surrounding transaction commits. Returns how many were revoked.
 */
async function revoke(userId: string, narrow: (query: SessionDelete) => SessionDelete = (query) => query): Promise<number> {
  const rows = await useTransaction((tx) =>
    narrow(tx.deleteFrom("user_sessions").where("user_id", "=", userId)).returning("token_hash").execute(),
  );
  await markInvalid(rows.map((row) => row.token_hash));
  return rows.length;
}

/** Ends the caller's own session. */
export async function logout(actor: UserActor): Promise<void> {
  await transaction(async () => {
    if ((await revoke(actor.userId, (query) => query.where("id", "=", actor.sessionId))) === 0) return;
    await emit({ action: "auth.logout", actor, resourceType: "session", resourceId: actor.sessionId });
  });
}

/** Revokes one of the caller's sessions; somebody else's is answered as not found. */
export async function remove(params: z.input<typeof SessionParams>, actor: UserActor): Promise<void> {
  const { sessionId } = input(SessionParams, params);
  await transaction(async () => {
    if ((await revoke(actor.userId, (query) => query.where("id", "=", sessionId))) === 0) throw notFound("Session");
    await emit({ action: "session.revoked", actor, resourceType: "session", resourceId: sessionId, details: { current: sessionId === actor.sessionId } });
  });
}

/** Revokes every session of the caller except the one making the request. */
export async function removeOthers(actor: UserActor): Promise<number> {
  return transaction(async () => {
    const count = await revoke(actor.userId, (query) => query.where("id", "!=", actor.sessionId));
    if (count > 0) await emit({ action: "session.revoked", actor, resourceType: "session", details: { scope: "others", count } });
    return count;
  });
}

/**
 * Revokes every session of a user (password change, suspension). Meant to run inside the
 * change's transaction: the cache entries are invalidated before it commits.
 */
export async function removeAllForUser(userId: string): Promise<number> {
  return revoke(userId);
}

/**
 * Makes the user's sessions re-read the user from the database (a change to the role, status or
 * profile): the cached copies carry the old values. Call it after the change's UPDATE of the user,
 * in the same transaction: a session being created meanwhile then waits for the change (see create).
 */
export async function refreshForUser(userId: string): Promise<void> {
  const rows = await useTransaction((tx) => tx.selectFrom("user_sessions").select("token_hash").where("user_id", "=", userId).execute());
  await markInvalid(rows.map((row) => row.token_hash));
}

export interface RemoveExpiredOptions {
  /** Rows a statement deletes at most; capped at MAX_CLEANUP_BATCH. */
  batchSize?: number;
  /** Asked before each batch: true ends the run early (the Lambda's time is running out). */
  shouldStop?: () => boolean;
}

export interface RemoveExpiredResult {
  deleted: number;
  batches: number;
  /** False when shouldStop ended the run before the last expired row was gone. */
  complete: boolean;
}

/** A position in the expiry index; expires_at as the database's text, so microseconds survive. */
interface ExpiryKey {
  expiresAt: string;
  id: string;
}

/** A stretch of expiry times, [start, end); no start for the first one. */
interface ExpirySlice {
  start: Date | undefined;
  end: Date;
}

/**
 * Stretches of expiry time each lane takes in turn. More than one a lane, so a lane that drew a
 * stretch with few sessions takes another instead of waiting for the busiest one.
 */
const SLICES_PER_LANE = 4;

/**
 * Deletes expired sessions in bounded batches, each a statement of its own (its own transaction,
 * as YugabyteDB wants), one a pool connection at a time. The time from the oldest expiry to now is
 * cut into slices, and each lane walks one slice after another in batches along the expires_at
 * index, keyed on (expires_at, id) so ties never make a batch larger: an index-only read finds
 * where the batch ends, a range predicate on that index deletes it, with no re-scan of what
 * earlier batches deleted and no probe per id. Two runs at once may delete the same range: one
 * waits on the other's row locks and finds the rows gone, and a deadlock is retried.
 */
export async function removeExpired(options: RemoveExpiredOptions = {}): Promise<RemoveExpiredResult> {
  const size = Math.max(1, Math.min(Math.floor(options.batchSize ?? MAX_CLEANUP_BATCH), MAX_CLEANUP_BATCH));
  // Fixed for the run, so sessions expiring meanwhile can't keep it going forever.
  const cutoff = new Date();
  const { oldest } = await db()
    .selectFrom("user_sessions")
    .select((eb) => eb.fn.min("expires_at").as("oldest"))
    .executeTakeFirstOrThrow();
  // A bulk delete is bound by the database's work per row, which YugabyteDB spreads over tablets and
  // PostgreSQL over cores only when the statements run side by side: one lane a pool connection.
  const lanes = config().databasePoolMax;
  const slices = oldest === null ? [] : sliceTime(new Date(oldest), cutoff, lanes * SLICES_PER_LANE);
  let stopped = false;
  let deleted = 0;
  let batches = 0;

  const lane = async () => {
    for (let slice = slices.shift(); slice && !stopped; slice = slices.shift()) {
      let after: ExpiryKey | undefined;
      for (;;) {
        if (options.shouldStop?.()) {
          stopped = true;
          return;
        }
        const until = await batchEnd(slice, after, size);
        const from = after;
        const result = await retrying(() => sql`delete from user_sessions where ${inSlice(slice, from, until)}`.execute(db()));
        // Added after the await: the other lane's count may have landed meanwhile.
        deleted += Number(result.numAffectedRows ?? 0);
        batches++;
        if (!until) break;
        after = until;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } catch (error) {
    // The other lane finishes its statement and takes no further batch.
    stopped = true;
    throw error;
  }
  return { deleted, batches, complete: !stopped };
}

/** `count` equal stretches from `oldest` (taken as open-ended, to lose no microsecond) to `cutoff`. */
function sliceTime(oldest: Date, cutoff: Date, count: number): ExpirySlice[] {
  if (oldest >= cutoff) return [];
  const step = (cutoff.getTime() - oldest.getTime()) / count;
  const cuts = Array.from({ length: count - 1 }, (_, i) => new Date(oldest.getTime() + Math.ceil(step * (i + 1))));
  return [...cuts, cutoff].map((end, i) => ({ start: i === 0 ? undefined : cuts[i - 1], end }));
}

/** Sessions of the slice after `after` (from its start without one) up to and including `until`. */
function inSlice(slice: ExpirySlice, after: ExpiryKey | undefined, until?: ExpiryKey) {
  return sql.join(
    [
      sql`expires_at < ${slice.end}`,
      slice.start ? sql`expires_at >= ${slice.start}` : undefined,
      after ? sql`(expires_at, id) > (${after.expiresAt}::timestamptz, ${after.id}::uuid)` : undefined,
      until ? sql`(expires_at, id) <= (${until.expiresAt}::timestamptz, ${until.id}::uuid)` : undefined,
    ].filter((condition) => condition !== undefined),
    sql` and `,
  );
}

/** The last key of the next batch, read from the index alone; none when less than a batch is left. */
async function batchEnd(slice: ExpirySlice, after: ExpiryKey | undefined, size: number): Promise<ExpiryKey | undefined> {
  const { rows } = await sql<ExpiryKey>`
    select expires_at::text as "expiresAt", id from user_sessions
    where ${inSlice(slice, after)}
    order by expires_at, id
    offset ${size - 1} limit 1`.execute(db());
  return rows[0];
}
