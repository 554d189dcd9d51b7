import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateLimiterAbstract, RateLimiterRes as Result } from "rate-limiter-flexible";
import RateLimiterMemory from "rate-limiter-flexible/lib/RateLimiterMemory.js";
import RateLimiterRedis from "rate-limiter-flexible/lib/RateLimiterRedis.js";
import RateLimiterRes from "rate-limiter-flexible/lib/RateLimiterRes.js";
import type { Actor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import * as Cache from "../cache/index.ts";
import { config, type Config } from "../config/index.ts";
import { VisibleError } from "../error/index.ts";
import { log } from "../log/index.ts";

/**
 * Named limits: how many attempts a subject (an account, an address, a user) may make in a fixed
 * window, declared in core/config. An attempt is taken *before* the work it guards, with one atomic
 * increment-and-check, so a burst sent at once is counted like the same requests one by one: at
 * most the limit get through, the rest are refused with 429 and the time left in the window.
 *
 * rate-limiter-flexible does the counting: in the cache with one Lua script over the one key it
 * declares (DragonflyDB's rule), and in this process's memory with the same rules. Memory counts
 * every attempt the process takes, whatever the cache answers, and answers alone when the cache
 * fails, stalls or isn't configured: a cache failure in the middle of a burst then carries on from
 * what this process has already let through instead of starting a fresh window.
 */
export type LimitName = keyof Config["limits"];

interface Limiters {
  memory: RateLimiterMemory;
  redis: { client: Redis; limiter: RateLimiterRedis } | undefined;
}

let built: { config: Config; limiters: Map<LimitName, Limiters> } | undefined;

function limitersOf(name: LimitName): Limiters {
  const current = config();
  // Tests and the local server reload the config: the limits are rebuilt from it.
  if (built?.config !== current) built = { config: current, limiters: new Map() };
  let limiters = built.limiters.get(name);
  if (!limiters) {
    const { points, windowSeconds } = current.limits[name];
    limiters = {
      memory: new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: name }),
      redis: undefined,
    };
    built.limiters.set(name, limiters);
  }
  return limiters;
}

async function limitersFor(name: LimitName): Promise<{ memory: RateLimiterAbstract; cache?: RateLimiterAbstract }> {
  const limiters = limitersOf(name);
  const client = await Cache.cache();
  if (!client) return { memory: limiters.memory };
  if (limiters.redis?.client !== client) {
    const { points, windowSeconds } = config().limits[name];
    const limiter = new RateLimiterRedis({
      storeClient: client,
      points,
      duration: windowSeconds,
      keyPrefix: Cache.cacheKey("limit", name),
      // The client doesn't queue commands while disconnected; answer from memory at once.
      rejectIfRedisNotReady: true,
    });
    limiters.redis = { client, limiter };
  }
  return { memory: limiters.memory, cache: limiters.redis.limiter };
}

/** One attempt against a limiter: its count, whether it refused or not. */
async function attempt(limiter: RateLimiterAbstract, key: string): Promise<Result> {
  try {
    return await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) return error as Result;
    throw error;
  }
}

/** Subjects are hashed: the cache needn't hold e-mail addresses, and keys stay short. */
function keyOf(subject: string): string {
  return createHash("sha256").update(subject.toLowerCase()).digest("hex");
}

export interface Refusal {
  name: LimitName;
  /** Attempts in this window so far, this one included. */
  attempts: number;
  retryAfterSeconds: number;
}

/** What a refusal's audit event says besides the limit (an e-mail address for a login). */
export interface RefusalContext {
  actor: Actor;
  details?: Record<string, unknown>;
}

/** Takes one attempt; the refusal when the subject has none left in this window. */
async function consume(name: LimitName, subject: string): Promise<Refusal | undefined> {
  const { memory, cache } = await limitersFor(name);
  const key = keyOf(subject);
  let result = await attempt(memory, key);
  if (cache) {
    try {
      result = await attempt(cache, key);
    } catch (error) {
      log.warn("rate limit counted in memory: the cache failed", { limit: name, error: (error as Error).message });
    }
  }
  if (result.consumedPoints <= config().limits[name].points) return undefined;
  return {
    name,
    attempts: result.consumedPoints,
    retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
  };
}

/** Applies `change` to both counts; the cache's may fail, and then only memory's has changed. */
async function adjust(
  name: LimitName,
  subject: string,
  change: (limiter: RateLimiterAbstract, key: string) => Promise<unknown>,
): Promise<void> {
  const { memory, cache } = await limitersFor(name);
  const key = keyOf(subject);
  await change(memory, key);
  if (!cache) return;
  try {
    await change(cache, key);
  } catch (error) {
    log.warn("rate limit not adjusted in the cache", { limit: name, error: (error as Error).message });
  }
}

/**
 * A flood must not write a row a request: a refused subject is audited at its first refusal of the
 * window and then each time its attempts double, so N refusals leave about log2(N / limit) events.
 */
function worthAuditing(refusal: Refusal): boolean {
  const { points } = config().limits[refusal.name];
  if (refusal.attempts === points + 1) return true;
  const multiple = refusal.attempts / points;
  return Number.isInteger(multiple) && multiple >= 2 && (multiple & (multiple - 1)) === 0;
}

async function audit(refusal: Refusal, context: RefusalContext): Promise<void> {
  if (!worthAuditing(refusal)) return;
  try {
    await emit({
      action: "auth.rate_limited",
      actor: context.actor,
      details: {
        ...context.details,
        limit: refusal.name,
        attempts: refusal.attempts,
        retryAfterSeconds: refusal.retryAfterSeconds,
      },
    });
  } catch (error) {
    // The refusal stands; it is in the log line if the trail could not take it.
    log.warn("rate-limit refusal not audited", {
      error: (error as Error).message,
      limit: refusal.name,
      attempts: refusal.attempts,
    });
  }
}

function refused(refusals: Refusal[]): VisibleError {
  const retryAfter = Math.max(...refusals.map((refusal) => refusal.retryAfterSeconds));
  return new VisibleError("rate_limited", "Too many attempts; try again later", { retryAfter });
}

/** Takes an attempt of `name` for `subject`, or throws rate_limited (audited as auth.rate_limited). */
export async function take(name: LimitName, subject: string, context: RefusalContext): Promise<void> {
  const refusal = await consume(name, subject);
  if (!refusal) return;
  await audit(refusal, context);
  throw refused([refusal]);
}

/** Gives an attempt back (the work it guarded could not be done). */
export async function giveBack(name: LimitName, subject: string): Promise<void> {
  await adjust(name, subject, (limiter, key) => limiter.reward(key, 1));
}

/** Starts the subject's window over. */
export async function clear(name: LimitName, subject: string): Promise<void> {
  await adjust(name, subject, (limiter, key) => limiter.delete(key));
}

/** A password guess already counted, for an account and possibly an address. */
export interface PasswordAttempt {
  /** The password was right: the account starts over, the address gets its attempt back. */
  succeeded(): Promise<void>;
  /** Nothing was checked (the server was too busy): both get their attempt back. */
  giveBack(): Promise<void>;
}

/**
 * Takes a password guess for `account` (an e-mail address; login and password change share the
 * budget) from the actor's address, before the password is checked. Refused when either the account
 * or the address has used up its window: even a right password then gets 429 until it ends.
 */
export async function takePasswordAttempt(account: string, context: RefusalContext): Promise<PasswordAttempt> {
  const ip = context.actor.ip;
  const taken: [LimitName, string][] = [["login-account", account]];
  if (ip) taken.push(["login-ip", ip]);
  const refusals = (await Promise.all(taken.map(([name, subject]) => consume(name, subject)))).filter(
    (refusal) => refusal !== undefined,
  );
  if (refusals.length > 0) {
    await Promise.all(refusals.map((refusal) => audit(refusal, context)));
    throw refused(refusals);
  }
  return {
    async succeeded() {
      await clear("login-account", account);
      if (ip) await giveBack("login-ip", ip);
    },
    async giveBack() {
      await Promise.all(taken.map(([name, subject]) => giveBack(name, subject)));
    },
  };
}
