import { hash, verify, type Algorithm, type Options } from "@node-rs/argon2";
import { config } from "../config/index.ts";
import { VisibleError } from "../error/index.ts";

// OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane. `2` is Algorithm.Argon2id; the
// const enum itself can't be imported under isolatedModules.
const OPTIONS: Options = { algorithm: 2 satisfies Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A hash of a password nobody knows, made with the same parameters. Logins for unknown emails
 * verify against it, so they take as long as a wrong password for a real account.
 */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$UhHX06v5rI2ZKVwqQOvTjg$1NgaBlbDkZgQXBeabdFKbQeoKi+uEhxlBFuMdRJeUPc";

let running = 0;
let peak = 0;
const waiting: (() => void)[] = [];

/**
 * Runs argon2 work when one of PASSWORD_HASH_CONCURRENCY slots is free. Each hash holds 19 MiB, and
 * argon2 runs on libuv's thread pool, which DNS lookups and file reads share: a flood of
 * registrations or logins must neither exhaust a function's memory nor starve the rest. Beyond
 * PASSWORD_HASH_QUEUE waiting calls the server is too busy: 429 with a second to wait.
 */
async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  const { concurrency, queue } = config().passwordHashing;
  if (running >= concurrency) {
    if (waiting.length >= queue)
      throw new VisibleError("rate_limited", "Too many password checks at once; try again shortly", { retryAfter: 1 });
    // The slot is handed over by the call that releases it: `running` stays counted.
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  peak = Math.max(peak, running);
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export function hashPassword(password: string): Promise<string> {
  return inSlot(() => hash(password, OPTIONS));
}

/**
 * Whether `password` matches `stored`. A missing hash (an account without a password) is checked
 * against the dummy hash and never matches, costing the same time as a real check.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  return inSlot(async () => {
    try {
      const matches = await verify(stored ?? DUMMY_HASH, password);
      return matches && stored !== null && stored !== undefined;
    } catch {
      // A malformed stored hash is a failed check, not a server error.
      return false;
    }
  });
}

/** An attempt counted before its password is checked (core/rate-limit). */
interface CountedAttempt {
  giveBack(): Promise<void>;
}

/** verifyPassword for a counted attempt: one the server was too busy to check is given back. */
export async function checkPassword(
  attempt: CountedAttempt,
  stored: string | null | undefined,
  password: string,
): Promise<boolean> {
  try {
    return await verifyPassword(stored, password);
  } catch (error) {
    await attempt.giveBack();
    throw error;
  }
}

/** The most argon2 calls that ran at once since the last reset (tests). */
export function hashingPeak(): number {
  return peak;
}

export function resetHashingPeak(): void {
  peak = running;
}
