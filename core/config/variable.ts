/**
 * One environment variable: how its text becomes a value, and what an unset one means. Checked by
 * hand, not by zod: every function reads its whole environment when it loads, and as zod schemas
 * the table was ~35 schema objects built and kept for the life of the process, with zod's URL and
 * number checks compiled on the first parse, in every cold start. The text is always a string, so
 * the checks are the few below.
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

/** A whole number from `min` to `max`, written as JavaScript's Number() reads it ("8", " 8 ", "1e3"). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => Read<number> {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      return { problem: `expected a whole number ${range}` };
    }
    return { value };
  };
}

/**
 * An absolute URL, its scheme one of `schemes` if given ("postgres:"). The value is the text without
 * the spaces around it and the tabs and line breaks in it, which a URL parser skips too: a secret
 * pasted with its newline still names the same database.
 */
export function url(schemes?: readonly string[]): (text: string) => Read<string> {
  return (text) => {
    const value = text.trim().replace(/[\t\n\r]/g, "");
    const parsed = URL.parse(value);
    if (!parsed) return { problem: "expected a URL" };
    if (schemes && !schemes.includes(parsed.protocol))
      return { problem: `expected a ${schemes.map((scheme) => `${scheme}//`).join(" or ")} URL` };
    return { value };
  };
}

/** Any text, trimmed first if asked, of a length within the bounds, matching `pattern` if given. */
export function text(
  rule: { trim?: boolean; minLength?: number; maxLength?: number; pattern?: RegExp; expected?: string } = {},
): (text: string) => Read<string> {
  const { minLength = 0, maxLength = Number.POSITIVE_INFINITY } = rule;
  return (set) => {
    const value = rule.trim ? set.trim() : set;
    if (value.length < minLength || value.length > maxLength) {
      const bound = maxLength === Number.POSITIVE_INFINITY ? `at least ${minLength}` : `${minLength} to ${maxLength}`;
      return { problem: `expected ${bound} characters` };
    }
    if (rule.pattern && !rule.pattern.test(value)) return { problem: rule.expected ?? `expected ${rule.pattern}` };
    return { value };
  };
}

/** One of `choices`, in any case, spaces around it ignored. */
export function oneOf<const C extends string>(choices: readonly C[]): (text: string) => Read<C> {
  return (text) => {
    const value = text.trim().toUpperCase() as C;
    return choices.includes(value) ? { value } : { problem: `expected one of ${choices.join(", ")}` };
  };
}
