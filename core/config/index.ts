import * as z from "../zod/index.ts";
import { DEFAULT_AUDIT_INDEX_ID, DEFAULT_AUDIT_RETENTION, INDEX_ID_PATTERN } from "../search/schema.ts";
import { linkedVariables } from "./linked.ts";
import { anyText, kind, validated, type Values, type Variable, type Variables } from "./variable.ts";

export { linkedVariables } from "./linked.ts";
export { ConfigError } from "./variable.ts";

// The kinds of variable, each written once and shared by every variable of its kind.
const PositiveInt = kind(() => z.coercedNumber().check(z.int(), z.positive()));
const positiveInt = (fallback: number): Variable<number> => ({ read: PositiveInt, fallback });
// Connections, or transactions that each hold one.
const ConnectionCount = kind(() => z.coercedNumber().check(z.int(), z.minimum(1), z.maximum(100)));
const connectionCount = (fallback: number): Variable<number> => ({ read: ConnectionCount, fallback });
const Url = kind(() => z.url());
const optionalUrl = { read: Url, optional: true, blankAsMissing: true } as const satisfies Variable<string>;
const optionalText = { read: anyText, optional: true, blankAsMissing: true } as const satisfies Variable<string>;
const textOr = (fallback: string): Variable<string> => ({ read: anyText, fallback });

/** Lambda's own log levels (AWS_LAMBDA_LOG_LEVEL) and SILENT; any case. */
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "SILENT"] as const;
const LogLevelName = kind(() => z.enum(LOG_LEVELS));
const level = {
  read: (text: string) => LogLevelName(text.trim().toUpperCase()),
  optional: true,
  blankAsMissing: true,
} as const satisfies Variable<LogLevel>;

// Read on their own too, by what must not need the rest (the logger at import, `npm run quickwit:setup`).
const Logging = {
  // Lambda's log-level control wins over ours, as it does for Powertools.
  AWS_LAMBDA_LOG_LEVEL: level,
  LOG_LEVEL: level,
} satisfies Variables;
const Search = {
  QUICKWIT_URL: optionalUrl,
  QUICKWIT_AUDIT_INDEX: {
    read: kind(() => z.string().check(z.regex(INDEX_ID_PATTERN, "expected a Quickwit index id"))),
    fallback: DEFAULT_AUDIT_INDEX_ID,
  },
  // Quickwit's retention period for the audit index ("90 days"), set when the index is created.
  QUICKWIT_AUDIT_RETENTION: {
    read: kind(() => z.string().check(z.trim(), z.minLength(1))),
    fallback: DEFAULT_AUDIT_RETENTION,
    blankAsMissing: true,
  },
} satisfies Variables;

const Environment = {
  ...Logging,
  ...Search,
  DATABASE_URL: { read: kind(() => z.url({ protocol: /^postgres(ql)?$/ })) },
  DATABASE_POOL_MAX: connectionCount(2),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(10_000),
  REDIS_URL: optionalUrl,
  CACHE_KEY_PREFIX: { read: kind(() => z.string().check(z.maxLength(64))), fallback: "vg:" },
  AUDIT_QUEUE_URL: optionalUrl,
  S3_BUCKET: { read: kind(() => z.string().check(z.minLength(3), z.maxLength(63))), fallback: "voxguard-exports" },
  // RustFS keys: Lambda reserves AWS_ACCESS_KEY_ID for the function's own role credentials.
  S3_ACCESS_KEY_ID: { read: anyText, optional: true },
  S3_SECRET_ACCESS_KEY: { read: anyText, optional: true },
  SESSION_IDLE_SECONDS: positiveInt(7 * 24 * 3600),
  SESSION_ABSOLUTE_SECONDS: positiveInt(30 * 24 * 3600),
  SESSION_TOUCH_SECONDS: positiveInt(3600),
  SESSION_CACHE_SECONDS: positiveInt(300),
  LOGIN_LIMIT_PER_ACCOUNT: positiveInt(10),
  LOGIN_LIMIT_PER_IP: positiveInt(50),
  LOGIN_LIMIT_WINDOW_SECONDS: positiveInt(15 * 60),
  REGISTER_LIMIT_PER_IP: positiveInt(20),
  REGISTER_LIMIT_WINDOW_SECONDS: positiveInt(3600),
  MEMBER_ADD_LIMIT_PER_ACTOR: positiveInt(100),
  MEMBER_ADD_LIMIT_WINDOW_SECONDS: positiveInt(3600),
  // argon2id takes 19 MiB a hash: at most this many at once in a process, this many more waiting.
  PASSWORD_HASH_CONCURRENCY: {
    read: kind(() => z.coercedNumber().check(z.int(), z.minimum(1), z.maximum(64))),
    fallback: 2,
  },
  PASSWORD_HASH_QUEUE: {
    read: kind(() => z.coercedNumber().check(z.int(), z.minimum(0), z.maximum(10_000))),
    fallback: 64,
  },
  CORS_ORIGINS: textOr(""),
  EXPORT_URL_SECONDS: positiveInt(15 * 60),
  // "VoxGuard <no-reply@example.com>" or a bare address: SES takes either as FromEmailAddress.
  MAIL_FROM: {
    read: kind(() =>
      z
        .string()
        .check(
          z.maxLength(320),
          z.regex(/^(?:[^<>\r\n]*<[^@\s<>]+@[^@\s<>]+>|[^@\s<>]+@[^@\s<>]+)$/, "expected an address or Name <address>"),
        ),
    ),
    optional: true,
    blankAsMissing: true,
  },
  MAIL_QUEUE_URL: optionalUrl,
  // The AWS SDK's own variables, as Lambda (AWS_REGION) and the local server (the endpoints) set them.
  AWS_REGION: optionalText,
  AWS_DEFAULT_REGION: optionalText,
  AWS_ENDPOINT_URL_SQS: optionalUrl,
  AWS_ENDPOINT_URL_S3: optionalUrl,
  AWS_ENDPOINT_URL_SESV2: optionalUrl,
  APP_URL: { read: Url, fallback: "http://localhost:3000" },
  EMAIL_VERIFY_SECONDS: positiveInt(24 * 3600),
  PASSWORD_RESET_SECONDS: positiveInt(3600),
  INVITATION_SECONDS: positiveInt(7 * 24 * 3600),
  EMAIL_RESEND_LIMIT: positiveInt(3),
  PASSWORD_FORGOT_LIMIT_PER_ACCOUNT: positiveInt(3),
  PASSWORD_FORGOT_LIMIT_PER_IP: positiveInt(20),
  INVITATION_LIMIT_PER_ORG: positiveInt(50),
  MAIL_LIMIT_WINDOW_SECONDS: positiveInt(3600),
  // The sealer's Ed25519 private key as a JWK (a secret: only the sealing job gets it).
  AUDIT_SEAL_KEY: optionalText,
  // Public JWKs that verify seals: retired keys, and on functions that don't seal, the current one.
  AUDIT_SEAL_PUBLIC_KEYS: textOr("[]"),
  // Sealing transactions a run keeps going at once. A background job beside the consumer: one keeps
  // its database load to a single backend.
  AUDIT_SEAL_LANES: connectionCount(1),
} satisfies Variables;

export type Config = ReturnType<typeof parse>;
export type LogLevel = (typeof LOG_LEVELS)[number];

function loggingOf(e: Values<typeof Logging>) {
  return { logLevel: e.AWS_LAMBDA_LOG_LEVEL ?? e.LOG_LEVEL ?? ("INFO" satisfies LogLevel) };
}

function searchOf(e: Values<typeof Search>) {
  return {
    quickwitUrl: e.QUICKWIT_URL,
    quickwitAuditIndex: e.QUICKWIT_AUDIT_INDEX,
    quickwitAuditRetention: e.QUICKWIT_AUDIT_RETENTION,
  };
}

function parse(processEnv: NodeJS.ProcessEnv) {
  // Linked secrets first: a variable set explicitly (a test, `npm run dev`, an operator's shell) wins.
  const e = validated(Environment, { ...linkedVariables(processEnv), ...processEnv });
  return {
    ...loggingOf(e),
    ...searchOf(e),
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    redisUrl: e.REDIS_URL,
    cacheKeyPrefix: e.CACHE_KEY_PREFIX,
    auditQueueUrl: e.AUDIT_QUEUE_URL,
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
    /** Every named limit (core/rate-limit): attempts a subject may make in a fixed window. */
    limits: {
      // Wrong passwords for one account (login and password change share it), whatever the address.
      "login-account": { points: e.LOGIN_LIMIT_PER_ACCOUNT, windowSeconds: e.LOGIN_LIMIT_WINDOW_SECONDS },
      // Wrong passwords from one address, whatever the account.
      "login-ip": { points: e.LOGIN_LIMIT_PER_IP, windowSeconds: e.LOGIN_LIMIT_WINDOW_SECONDS },
      // Registrations from one address.
      "register-ip": { points: e.REGISTER_LIMIT_PER_IP, windowSeconds: e.REGISTER_LIMIT_WINDOW_SECONDS },
      // Members one user adds (any organization).
      "member-add": { points: e.MEMBER_ADD_LIMIT_PER_ACTOR, windowSeconds: e.MEMBER_ADD_LIMIT_WINDOW_SECONDS },
      // Invitations one organization sends (they mail an address outside it).
      "invitation-org": { points: e.INVITATION_LIMIT_PER_ORG, windowSeconds: e.MAIL_LIMIT_WINDOW_SECONDS },
      // Verification mails one account asks for again.
      "email-resend": { points: e.EMAIL_RESEND_LIMIT, windowSeconds: e.MAIL_LIMIT_WINDOW_SECONDS },
      // Password reset mails asked for one address, and from one client address.
      "password-forgot-account": {
        points: e.PASSWORD_FORGOT_LIMIT_PER_ACCOUNT,
        windowSeconds: e.MAIL_LIMIT_WINDOW_SECONDS,
      },
      "password-forgot-ip": { points: e.PASSWORD_FORGOT_LIMIT_PER_IP, windowSeconds: e.MAIL_LIMIT_WINDOW_SECONDS },
    } satisfies Record<string, { points: number; windowSeconds: number }>,
    passwordHashing: { concurrency: e.PASSWORD_HASH_CONCURRENCY, queue: e.PASSWORD_HASH_QUEUE },
    corsOrigins: e.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
    exportUrlSeconds: e.EXPORT_URL_SECONDS,
    mail: {
      /** Unset: no mail is sent (logged once), and nothing waits for one. */
      from: e.MAIL_FROM,
      queueUrl: e.MAIL_QUEUE_URL,
      /** Where the links in mails point: the web app that posts their token back. */
      appUrl: e.APP_URL,
    },
    tokenSeconds: {
      verifyEmail: e.EMAIL_VERIFY_SECONDS,
      passwordReset: e.PASSWORD_RESET_SECONDS,
      invitation: e.INVITATION_SECONDS,
    },
    auditSeal: { privateKey: e.AUDIT_SEAL_KEY, publicKeys: e.AUDIT_SEAL_PUBLIC_KEYS, lanes: e.AUDIT_SEAL_LANES },
    aws: {
      /** Unset: the caller's fallback (the queue URL's region, else us-east-1). */
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
      /** Endpoint overrides (fauxqs, RustFS, a local SES); unset: AWS's own. */
      sqsEndpoint: e.AWS_ENDPOINT_URL_SQS,
      s3Endpoint: e.AWS_ENDPOINT_URL_S3,
      sesEndpoint: e.AWS_ENDPOINT_URL_SESV2,
    },
  };
}

let current: Config | undefined;

/** The environment, parsed on first use and kept for the life of the process (a warm Lambda). */
export function config(): Config {
  current ??= parse(process.env);
  return current;
}

/**
 * The log level alone, for the logger at import: it must not need (or fail for) the rest. A
 * malformed value stops start-up here as config() would.
 */
export function logLevel(processEnv: NodeJS.ProcessEnv = process.env): LogLevel {
  return loggingOf(validated(Logging, processEnv)).logLevel;
}

/** Quickwit's variables alone, for a script that creates the index and needs no database. */
export function searchConfig(processEnv: NodeJS.ProcessEnv = process.env): ReturnType<typeof searchOf> {
  return searchOf(validated(Search, { ...linkedVariables(processEnv), ...processEnv }));
}

/** Tests and the local server change the environment after start; they call this to read it again. */
export function reloadConfig(): Config {
  current = undefined;
  return config();
}
