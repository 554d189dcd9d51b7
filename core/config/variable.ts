import type * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";

/**
 * One environment variable: how its text becomes a value, and what an unset one means. Every
 * function reads its whole environment when it loads, and most variables are left to their
 * defaults: a kind's zod schema is built when a variable of that kind is first set, so a start
 * builds the few that its set variables need, not the table's ~35 (each kept for the life of the
 * process, with zod's URL and number checks compiled on the first parse).
 */
export interface Variable<T> {
  /** The set text as its value, or why it is not one (the start then fails naming the variable). */
  read: (text: string) => Read<T>;
  /** Unset: this value. Without one, an optional variable is undefined and any other "is missing". */
  fallback?: T;
  optional?: boolean;
  /** An empty value (an unset SST secret) means "not configured", as if it were missing. */
  blankAsMissing?: boolean;
}

export type Read<T> = { value: T } | { problem: string };

export type Variables = Record<string, Variable<unknown>>;
export type Values<V extends Variables> = {
  [K in keyof V]: V[K] extends Variable<infer T> ? (V[K] extends { optional: true } ? T | undefined : T) : never;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Every variable of the table, read from the environment; the first that is wrong stops the start. */
export function validated<V extends Variables>(variables: V, env: NodeJS.ProcessEnv): Values<V> {
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(variables)) {
    const text = variable.blankAsMissing && env[name] === "" ? undefined : env[name];
    if (text === undefined) {
      if (variable.fallback === undefined && !variable.optional)
        throw new ConfigError(`VoxGuard cannot start: ${name} is missing`);
      values[name] = variable.fallback;
      continue;
    }
    const read = variable.read(text);
    if ("problem" in read) throw new ConfigError(`VoxGuard cannot start: ${name} is malformed (${read.problem})`);
    values[name] = read.value;
  }
  return values as Values<V>;
}

/**
 * A kind of variable: the zod schema its text must pass, built the first time a variable of the
 * kind is set. The problem is zod's message for the first issue.
 */
export function kind<T>(build: () => z.ZodMiniType<T, unknown>): (text: string) => Read<T> {
  const schema = onFirstUse(build);
  return (text) => {
    const result = schema().safeParse(text);
    return result.success ? { value: result.data } : { problem: result.error.issues[0]!.message };
  };
}

/** Free text: no rule to check. */
export const anyText = (text: string): Read<string> => ({ value: text });
