import { UnavailableError, VisibleError, type ErrorCode, type FieldError } from "@voxguard/core/error";
import { isDatabaseUnavailable, isRetryableTransactionError } from "@voxguard/core/db";

/** The HTTP status of every code a client may see: the one place a core error becomes HTTP. */
export const STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  account_suspended: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  slug_taken: 409,
  email_taken: 409,
  already_member: 409,
  last_owner: 409,
  last_admin: 409,
  invalid_token: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const TITLE: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  requestId: string;
}

export interface ProblemAnswer {
  problem: Problem;
  headers: Record<string, string>;
  /** Unexpected failures are logged in full; the answer never carries their text. */
  unexpected: boolean;
}

function answer(
  code: ErrorCode,
  detail: string,
  requestId: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string>; unexpected: boolean },
): ProblemAnswer {
  const status = STATUS[code];
  return {
    problem: {
      type: "about:blank",
      title: TITLE[status] ?? "Error",
      status,
      detail,
      code,
      ...(extra.errors ? { errors: extra.errors } : {}),
      requestId,
    },
    headers: extra.headers ?? {},
    unexpected: extra.unexpected,
  };
}

export function toProblem(error: unknown, requestId: string): ProblemAnswer {
  if (error instanceof VisibleError) {
    const headers: Record<string, string> = {};
    if (error.retryAfter !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(error.retryAfter)));
    return answer(error.code, error.message, requestId, { errors: error.errors, headers, unexpected: false });
  }
  if (error instanceof UnavailableError || isDatabaseUnavailable(error)) {
    return answer("unavailable", "A service VoxGuard depends on is unavailable; retry shortly", requestId, {
      headers: { "retry-after": "1" },
      unexpected: false,
    });
  }
  if (isRetryableTransactionError(error)) {
    // Still failing after the bounded retries (core/db): a cluster busy moving leaders or a hot
    // row, not the client's fault. Logged in full all the same.
    return answer("unavailable", "The database is busy; retry shortly", requestId, {
      headers: { "retry-after": "1" },
      unexpected: true,
    });
  }
  return answer("internal", "An unexpected error occurred", requestId, { unexpected: true });
}
