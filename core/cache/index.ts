import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { config } from "../config/index.ts";
import { UnavailableError } from "../error/index.ts";
import { log } from "../log/index.ts";

export type CacheStatus = "ok" | "down" | "disabled";

// A dead cache has to cost milliseconds: connects and commands give up fast and the caller falls
// back to the database.
const TIMEOUT_MS = 300;
const MAX_RECONNECT_DELAY_MS = 2_000;
// A command that timed out on a connection that still looks open (a stalled server, a network
// black hole) would cost every request its full timeout; skip the cache for a moment instead.
const COOLDOWN_MS = 1_000;
// How long a revocation waits for the cache to confirm its markers (a stall, a reconnect) before
// it gives up with 503: well inside a function's timeout, longer than a short stall.
const CONFIRM_BUDGET_MS = 2_000;
const CONFIRM_RETRY_MS = 50;

interface Connection {
  redis: Redis;
  url: string;
  /** The first connect of this client; later reconnects happen in the background. */
  firstConnect: Promise<void> | undefined;
}

let connection: Connection | undefined;
let coolUntil = 0;

function open(url: string): Connection {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // A command cut off by a dropped connection fails now rather than replaying later.
    autoResendUnfulfilledCommands: false,
    // Never give up: the cache is used again as soon as it is back.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
  });
  let down = false;
  // Without a listener ioredis reports every failed reconnect as an unhandled error.
  redis.on("error", (error: Error) => {
    if (!down) log.warn("cache unreachable, serving from the database", { error: error.message });
    down = true;
  });
  redis.on("ready", () => {
    if (down) log.info("cache reachable again");
    down = false;
  });
  const opened: Connection = { redis, url, firstConnect: undefined };
  opened.firstConnect = redis
    .connect()
    .catch(() => undefined)
    .finally(() => {
      opened.firstConnect = undefined;
    });
  return opened;
}

function usable(redis: Redis): Redis | undefined {
  return redis.status === "ready" && Date.now() >= coolUntil ? redis : undefined;
}

/**
 * The cache client when the cache is configured and reachable, else undefined. Only the first
 * call waits (for the first connect, at most the connect timeout); while the cache is down every
 * call answers undefined at once and ioredis keeps reconnecting in the background. After the first
 * connect the answer is immediate, not a promise: every request asks, and an await costs each one.
 */
function client(): Redis | undefined | Promise<Redis | undefined> {
  const url = config().redisUrl;
  if (connection && connection.url !== url) drop();
  if (!url) return undefined;
  connection ??= open(url);
  const { redis, firstConnect } = connection;
  return firstConnect ? firstConnect.then(() => usable(redis)) : usable(redis);
}

/** The same as a promise, for callers that hold on to the client (the rate limiter, tests). */
export async function cache(): Promise<Redis | undefined> {
  return client();
}

function drop(): void {
  const closing = connection;
  connection = undefined;
  coolUntil = 0;
  if (!closing) return;
  closing.redis.removeAllListeners("ready");
  closing.redis.disconnect();
}

/** Drops the client (tests, shutdown); the next use connects again from the current config. */
export async function closeCache(): Promise<void> {
  drop();
}

function failed(error: unknown): undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out/i.test(message)) coolUntil = Date.now() + COOLDOWN_MS;
  log.debug("cache command failed", { error: message });
  return undefined;
}

/** Runs `fn` against the cache; undefined when the cache is disabled, down or the command failed. */
export async function withCache<T>(fn: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const found = client();
  const redis = found instanceof Promise ? await found : found;
  if (!redis) return undefined;
  try {
    return await fn(redis);
  } catch (error) {
    return failed(error);
  }
}

/** Every key carries the deployment's prefix, so parallel test runs and stages never collide. */
export function cacheKey(...parts: string[]): string {
  return config().cacheKeyPrefix + parts.join(":");
}

/** The value, null for a miss, undefined when the cache could not be asked. */
export function get(key: string): Promise<string | null | undefined> {
  return withCache((redis) => redis.get(key));
}

export interface SetOptions {
  ttlMs: number;
  /** Only when the key does not exist yet. */
  onlyIfAbsent?: boolean;
}

/** True when the value was written. */
export async function set(key: string, value: string, options: SetOptions): Promise<boolean> {
  const ttl = Math.max(1, Math.ceil(options.ttlMs));
  const answer = await withCache((redis) =>
    options.onlyIfAbsent ? redis.set(key, value, "PX", ttl, "NX") : redis.set(key, value, "PX", ttl),
  );
  return answer === "OK";
}

/** Number of keys removed, undefined when the cache could not be asked. */
export function del(...keys: string[]): Promise<number | undefined> {
  if (keys.length === 0) return Promise.resolve(0);
  return withCache((redis) => redis.del(...keys));
}

/**
 * Read-through entries (sessions, users) are invalidated by overwriting them with this marker
 * rather than deleting them. A reader that finds it goes to the database and does not refill, and
 * refills are SET NX, so a reader that loaded the old value before the change can't write it back
 * while the marker lives. Readers give up refilling REFILL_DEADLINE_MS after their database read
 * began, well inside MARKER_TTL_MS: no refill from before a change can land after its marker expired.
 */
export const INVALIDATED = "invalidated";
export const MARKER_TTL_MS = 60_000;
export const REFILL_DEADLINE_MS = 10_000;

/** The client once connected, whatever the cool-down says: for writes that must be confirmed. */
async function connected(): Promise<Redis | undefined> {
  const url = config().redisUrl;
  if (!url) return undefined;
  if (connection && connection.url !== url) drop();
  connection ??= open(url);
  if (connection.firstConnect) await connection.firstConnect;
  return connection.redis.status === "ready" ? connection.redis : undefined;
}

async function writeMarkers(keys: string[]): Promise<boolean> {
  const redis = await connected();
  if (!redis) return false;
  try {
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.set(key, INVALIDATED, "PX", MARKER_TTL_MS);
    const results = await pipeline.exec();
    return results?.every(([error, answer]) => !error && answer === "OK") ?? false;
  } catch (error) {
    failed(error);
    return false;
  }
}

/**
 * Marks entries invalid and returns once the cache confirmed every marker; throws UnavailableError
 * (503) when it can't within CONFIRM_BUDGET_MS (down, stalled, unreachable from here). Call it
 * inside the change's transaction, before the commit: a change the cache could not be told about
 * is then rolled back, never half done, and one that committed is refused by every process's next
 * read. Writes retried after a timeout are the same idempotent SET. Without REDIS_URL there is no
 * cache to tell.
 *
 * A marker written before the commit outlives it: MARKER_TTL_MS is far longer than a transaction
 * (statements time out after seconds), and a reader that reads the database before the commit
 * refills with NX, which the marker refuses.
 */
export async function invalidate(keys: string[]): Promise<void> {
  if (keys.length === 0 || !config().redisUrl) return;
  const deadline = performance.now() + CONFIRM_BUDGET_MS;
  while (!(await writeMarkers(keys))) {
    if (performance.now() >= deadline) throw new UnavailableError("The cache could not confirm an invalidation");
    await sleep(CONFIRM_RETRY_MS);
  }
}

/**
 * Fills an entry after a miss, unless something (a marker, a fresher refill) got there first or
 * the database read it is based on began too long ago. `startedAt` is performance.now() taken
 * before that read.
 */
export async function refill(key: string, value: string, ttlMs: number, startedAt: number): Promise<boolean> {
  if (ttlMs <= 0 || performance.now() - startedAt >= REFILL_DEADLINE_MS) return false;
  return set(key, value, { ttlMs, onlyIfAbsent: true });
}

export interface Script {
  source: string;
  sha: string;
}

/**
 * A Lua script. DragonflyDB only runs scripts whose keys are all passed in KEYS, so a script
 * must touch nothing but KEYS[n].
 */
export function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

export async function runScript(
  redis: Redis,
  lua: Script,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return redis.eval(lua.source, keys.length, ...keys, ...args);
  }
}

/** For /health: "disabled" without REDIS_URL, "down" when it can't be reached. */
export async function cacheStatus(): Promise<CacheStatus> {
  if (!config().redisUrl) return "disabled";
  const pong = await withCache((redis) => redis.ping());
  return pong === "PONG" ? "ok" : "down";
}
