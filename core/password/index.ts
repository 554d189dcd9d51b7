import { hash, verify, type Algorithm, type Options } from "@node-rs/argon2";

// OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane. `2` is Algorithm.Argon2id; the
// const enum itself can't be imported under isolatedModules.
const OPTIONS: Options = { algorithm: 2 satisfies Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A hash of a password nobody knows, made with the same parameters. Logins for unknown emails
 * verify against it, so they take as long as a wrong password for a real account.
 */
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$UhHX06v5rI2ZKVwqQOvTjg$1NgaBlbDkZgQXBeabdFKbQeoKi+uEhxlBFuMdRJeUPc";

export const MIN_LENGTH = 12;
export const MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * Whether `password` matches `stored`. A missing hash (an account without a password) is checked
 * against the dummy hash and never matches, costing the same time as a real check.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  try {
    const matches = await verify(stored ?? DUMMY_HASH, password);
    return matches && stored !== null && stored !== undefined;
  } catch {
    // A malformed stored hash is a failed check, not a server error.
    return false;
  }
}
