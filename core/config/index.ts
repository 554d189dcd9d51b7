import * as z from "../zod/index.ts";

const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
// An empty variable (an unset SST secret) means "not configured", as if it were missing.
const optionalUrl = z.pipe(
  z.transform((value: unknown) => (value === "" ? undefined : value)),
  z.optional(z.url()),
);

const Environment = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 2),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(10_000),
  REDIS_URL: optionalUrl,
  CACHE_KEY_PREFIX: z._default(z.string().check(z.maxLength(64)), "vg:"),
  AUDIT_QUEUE_URL: optionalUrl,
  QUICKWIT_URL: optionalUrl,
  QUICKWIT_AUDIT_INDEX: z._default(z.string().check(z.regex(/^[a-zA-Z][a-zA-Z0-9_-]{2,254}$/)), "voxguard-audit"),
  S3_BUCKET: z._default(z.string().check(z.minLength(3), z.maxLength(63)), "voxguard-exports"),
  // RustFS keys: Lambda reserves AWS_ACCESS_KEY_ID for the function's own role credentials.
  S3_ACCESS_KEY_ID: z.optional(z.string()),
  S3_SECRET_ACCESS_KEY: z.optional(z.string()),
  SESSION_IDLE_SECONDS: positiveInt(7 * 24 * 3600),
  SESSION_ABSOLUTE_SECONDS: positiveInt(30 * 24 * 3600),
  SESSION_TOUCH_SECONDS: positiveInt(3600),
  SESSION_CACHE_SECONDS: positiveInt(300),
  LOGIN_LIMIT_PER_ACCOUNT: positiveInt(10),
  LOGIN_LIMIT_PER_IP: positiveInt(50),
  LOGIN_LIMIT_WINDOW_SECONDS: positiveInt(15 * 60),
  CORS_ORIGINS: z._default(z.string(), ""),
  EXPORT_URL_SECONDS: positiveInt(15 * 60),
});

export type Config = ReturnType<typeof parse>;

function parse(env: NodeJS.ProcessEnv) {
  const result = Environment.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const problem = env[name] === undefined ? "is missing" : `is malformed (${issue.message})`;
    throw new ConfigError(`VoxGuard cannot start: ${name} ${problem}`);
  }
  const e = result.data;
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    cacheKeyPrefix: e.CACHE_KEY_PREFIX,
    auditQueueUrl: e.AUDIT_QUEUE_URL,
    quickwitUrl: e.QUICKWIT_URL,
    quickwitAuditIndex: e.QUICKWIT_AUDIT_INDEX,
    s3Bucket: e.S3_BUCKET,
    s3Credentials:
      e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
        : undefined,
    session: {
      idleSeconds: e.SESSION_IDLE_SECONDS,
      absoluteSeconds: e.SESSION_ABSOLUTE_SECONDS,
      touchSeconds: e.SESSION_TOUCH_SECONDS,
      cacheSeconds: e.SESSION_CACHE_SECONDS,
    },
    loginLimit: {
      perAccount: e.LOGIN_LIMIT_PER_ACCOUNT,
      perIp: e.LOGIN_LIMIT_PER_IP,
      windowSeconds: e.LOGIN_LIMIT_WINDOW_SECONDS,
    },
    corsOrigins: e.CORS_ORIGINS.split(",").map((origin) => origin.trim()).filter(Boolean),
    exportUrlSeconds: e.EXPORT_URL_SECONDS,
  };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

let current: Config | undefined;

/** The environment, parsed on first use and kept for the life of the process (a warm Lambda). */
export function config(): Config {
  current ??= parse(process.env);
  return current;
}

/** Tests and the local server change the environment after start; they call this to read it again. */
export function reloadConfig(): Config {
  current = undefined;
  return config();
}
