export type ErrorCode =
  | "invalid_json"
  | "validation_failed"
  | "unauthorized"
  | "invalid_credentials"
  | "forbidden"
  | "account_suspended"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "slug_taken"
  | "email_taken"
  | "already_member"
  | "last_owner"
  | "last_admin"
  | "invalid_token"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "internal"
  | "unavailable";

export interface FieldError {
  path: string;
  message: string;
}

export interface VisibleErrorExtra {
  errors?: FieldError[];
  /** Seconds until the caller may try again (rate limits). */
  retryAfter?: number;
}

/** The one error whose code and detail a client may see; everything else is answered as `internal`. */
export class VisibleError extends Error {
  override name = "VisibleError";
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, detail: string, extra: VisibleErrorExtra = {}) {
    super(detail);
    this.code = code;
    this.errors = extra.errors;
    this.retryAfter = extra.retryAfter;
  }
}

export function notFound(what: string): VisibleError {
  return new VisibleError("not_found", `${what} not found`);
}

/** A dependency (database, queue) could not be reached: the client may retry later. */
export class UnavailableError extends Error {
  override name = "UnavailableError";
}
