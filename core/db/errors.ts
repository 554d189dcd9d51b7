interface PgError {
  code?: string;
  constraint?: string;
}

/**
 * Failures after which the whole transaction (or a statement that is its own) may simply run
 * again, because nothing of it was applied: serialization failures (on YugabyteDB also "Restart
 * read required", a read that hit a clock skew window during a leader move), deadlocks, and
 * XX000, the internal error YSQL answers with while a tablet leader moves or a tserver restarts.
 * golang-migrate's yugabytedb driver retries the same codes. PostgreSQL's own XX000 ("can't
 * happen") is rare enough that a few bounded retries cost nothing.
 */
const RETRYABLE = new Set(["40001", "40P01", "XX000"]);
/** Connection-level failures: the database is down, restarting or refusing connections. */
const UNAVAILABLE = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|the database system is (starting up|shutting down)/i;

function pgError(error: unknown): PgError {
  return typeof error === "object" && error !== null ? (error as PgError) : {};
}

export function isRetryableTransactionError(error: unknown): boolean {
  return RETRYABLE.has(pgError(error).code ?? "");
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = pgError(error);
  return e.code === "23505" && (constraint === undefined || e.constraint === constraint);
}

export function isForeignKeyViolation(error: unknown): boolean {
  return pgError(error).code === "23503";
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (UNAVAILABLE.has(pgError(error).code ?? "")) return true;
  return error instanceof Error && UNAVAILABLE_MESSAGES.test(error.message);
}
