import { createHash } from "node:crypto";
import * as Cache from "../cache/index.ts";
import { config, type Config } from "../config/index.ts";
import { VisibleError } from "../error/index.ts";

/**
 * Failed logins, counted per account (the email, whether or not it exists) and per client IP in
 * fixed windows. Once a counter reaches its limit every attempt on it is refused until the window
 * ends, a correct password included. Counters live in the cache; without one (or while it is
 * down) an in-process limiter with the same rules stands in, per Lambda instance.
 */
export interface LoginAttempt {
  account: string;
  ip?: string | undefined;
}

interface Counter {
  key: string;
  limit: number;
}

function counters(attempt: LoginAttempt): Counter[] {
  const { perAccount, perIp } = config().loginLimit;
  // Hashed: the cache needn't hold email addresses.
  const account = createHash("sha256").update(attempt.account.toLowerCase()).digest("hex");
  const list: Counter[] = [{ key: Cache.cacheKey("login-failures", "account", account), limit: perAccount }];
  if (attempt.ip) list.push({ key: Cache.cacheKey("login-failures", "ip", attempt.ip), limit: perIp });
  return list;
}

function limited(retryAfterMs: number): VisibleError {
  return new VisibleError("rate_limited", "Too many failed logins; try again later", { retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

// One key a script (DragonflyDB runs only scripts that declare their keys). The PTTL check also
// repairs a counter that somehow lost its expiry, so a window always ends.
const INCREMENT = Cache.script(`
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`);

/** Throws rate_limited when the account or the IP has used up its failed attempts. */
export async function check(attempt: LoginAttempt): Promise<void> {
  const list = counters(attempt);
  const answers = await Cache.withCache(async (redis) => {
    const pipeline = redis.pipeline();
    for (const counter of list) pipeline.get(counter.key).pttl(counter.key);
    const results = await pipeline.exec();
    if (!results || results.some(([error]) => error)) throw new Error("cache pipeline failed");
    return results.map(([, value]) => value);
  });
  let waitMs = 0;
  list.forEach((counter, index) => {
    const count = answers ? Number(answers[index * 2] ?? 0) : memory.count(counter.key);
    if (count < counter.limit) return;
    const ttl = answers ? Number(answers[index * 2 + 1]) : memory.remainingMs(counter.key);
    waitMs = Math.max(waitMs, ttl > 0 ? ttl : config().loginLimit.windowSeconds * 1000);
  });
  if (waitMs > 0) throw limited(waitMs);
}

export async function recordFailure(attempt: LoginAttempt): Promise<void> {
  const windowMs = config().loginLimit.windowSeconds * 1000;
  for (const counter of counters(attempt)) {
    const counted = await Cache.withCache((redis) => Cache.runScript(redis, INCREMENT, [counter.key], [windowMs]));
    if (counted === undefined) memory.increment(counter.key, windowMs);
  }
}

/** A correct password clears the account's counter; the IP's keeps counting. */
export async function recordSuccess(attempt: LoginAttempt): Promise<void> {
  const [account] = counters(attempt);
  if (!account) return;
  memory.reset(account.key);
  await Cache.del(account.key);
}

export type LimitName = keyof Config["limits"];

/**
 * Counts one use of the named limit (declared in core/config) by `subject` (an account, an IP, an
 * organization) and throws rate_limited, with the seconds left, once the window's allowance is used
 * up. The same counters as failed logins: the cache when there is one, this process otherwise.
 */
export async function consume(name: LimitName, subject: string, detail = "Too many requests; try again later"): Promise<void> {
  const { points, windowSeconds } = config().limits[name];
  const windowMs = windowSeconds * 1000;
  // Hashed: subjects may be email addresses, which the cache needn't hold.
  const key = Cache.cacheKey("limit", name, createHash("sha256").update(subject.toLowerCase()).digest("hex"));
  const answer = await Cache.withCache((redis) => Cache.runScript(redis, COUNT_USE, [key], [windowMs]));
  let used: number;
  let remainingMs: number;
  if (Array.isArray(answer)) {
    used = Number(answer[0]);
    remainingMs = Number(answer[1]);
  } else {
    memory.increment(key, windowMs);
    used = memory.count(key);
    remainingMs = memory.remainingMs(key);
  }
  if (used > points) {
    throw new VisibleError("rate_limited", detail, { retryAfter: Math.max(1, Math.ceil((remainingMs > 0 ? remainingMs : windowMs) / 1000)) });
  }
}

// INCREMENT's window, answering the time left as well, so a refusal says when to come back.
const COUNT_USE = Cache.script(`
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('PTTL', KEYS[1])}
`);

interface Window {
  count: number;
  resetAt: number;
}

const MAX_MEMORY_KEYS = 100_000;

/** The stand-in without a cache: the same fixed windows, in this process only. */
const memory = {
  windows: new Map<string, Window>(),
  live(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= Date.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  },
  count(key: string): number {
    return this.live(key)?.count ?? 0;
  },
  remainingMs(key: string): number {
    const window = this.live(key);
    return window ? window.resetAt - Date.now() : 0;
  },
  increment(key: string, windowMs: number): void {
    const window = this.live(key);
    if (window) {
      window.count++;
      return;
    }
    if (this.windows.size >= MAX_MEMORY_KEYS) this.prune();
    this.windows.set(key, { count: 1, resetAt: Date.now() + windowMs });
  },
  reset(key: string): void {
    this.windows.delete(key);
  },
  prune(): void {
    const now = Date.now();
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    // Still full: an attacker spraying addresses; drop the oldest windows rather than grow.
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_MEMORY_KEYS) break;
      this.windows.delete(key);
    }
  },
};

/** Forgets the in-process counters (tests). */
export function resetMemory(): void {
  memory.windows.clear();
}
