import { setTimeout as sleep } from "node:timers/promises";
import * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { UnavailableError } from "../error/index.ts";

/*
 * How this project talks to Quickwit's REST API (https://quickwit.io/docs/reference/rest-api): one
 * request with its retries, and the errors it ends in. Each operation is a function of its own file
 * (quickwit-search.ts, quickwit-indexes.ts, quickwit-ingest.ts), so that a function bundles the
 * operations it calls and no other: a read route searches, only writers ingest.
 */

export interface QuickwitRetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface QuickwitClientOptions {
  /** The node's REST address, e.g. `http://127.0.0.1:7280` (the `api/v1` prefix is added here). */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** Per try; ingest with `wait_for`/`force` waits for a commit and gets `commitTimeoutMs`. */
  timeoutMs?: number;
  commitTimeoutMs?: number;
  retry?: QuickwitRetryOptions;
}

/** Quickwit answered, and retrying would not change the answer (bad config, bad query, 404...). */
export class QuickwitError extends Error {
  override name = "QuickwitError";
  readonly status: number;
  readonly operation: string;

  constructor(operation: string, status: number, message: string) {
    super(message);
    this.operation = operation;
    this.status = status;
  }
}

/**
 * Quickwit could not be reached or kept shedding load after every try. An UnavailableError, so
 * the edge answers 503 and a queue consumer reports the batch for redelivery.
 */
export class QuickwitUnavailableError extends UnavailableError {
  override name = "QuickwitUnavailableError";
  readonly status: number | undefined;
  readonly operation: string;
  readonly attempts: number;

  constructor(operation: string, attempts: number, status: number | undefined, cause: string) {
    super(`Quickwit ${operation} failed after ${attempts} tries: ${cause}`);
    this.operation = operation;
    this.attempts = attempts;
    this.status = status;
  }
}

const MESSAGE_LIMIT = 300;

const ErrorBody = onFirstUse(() => z.object({ message: z.string() }));

export interface QuickwitAttempt {
  operation: string;
  method: "GET" | "POST";
  /** Under `api/v1/`. */
  path: string;
  query?: URLSearchParams;
  body?: string;
  contentType?: string;
  timeoutMs: number;
}

export interface QuickwitReply {
  status: number;
  json: unknown;
  retryAfterMs: number | undefined;
}

/** One Quickwit node as the operations reach it, with the client's options applied. */
export interface QuickwitTransport {
  /** Per try, unless an operation says otherwise. */
  timeoutMs: number;
  /** For an ingest that waits for its commit. */
  commitTimeoutMs: number;
  request(attempt: QuickwitAttempt): Promise<QuickwitReply>;
  /** Throws the QuickwitError for an answer the operation can't use. */
  fail(operation: string, reply: QuickwitReply): never;
  /** The answer's body as `schema` reads it; a QuickwitError if it doesn't. */
  parse<T extends z.ZodMiniType>(operation: string, reply: QuickwitReply, schema: T): z.output<T>;
}

export function createQuickwitTransport(options: QuickwitClientOptions): QuickwitTransport {
  // A trailing slash keeps a path prefix (a proxy mount) when the API path is resolved against it.
  const base = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
  try {
    void new URL(base);
  } catch {
    // Not echoed: the address may carry a proxy's credentials.
    throw new TypeError("Quickwit baseUrl is not an absolute URL");
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const baseDelayMs = options.retry?.baseDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 3_000;

  function url(path: string, query?: URLSearchParams): string {
    const target = new URL(`api/v1/${path}`, base);
    if (query) target.search = query.toString();
    return target.href;
  }

  async function once(attempt: QuickwitAttempt): Promise<QuickwitReply> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (attempt.contentType) headers["content-type"] = attempt.contentType;
    const response = await doFetch(url(attempt.path, attempt.query), {
      method: attempt.method,
      headers,
      body: attempt.body,
      signal: AbortSignal.timeout(attempt.timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: response.status, json, retryAfterMs: retryAfter(response.headers.get("retry-after")) };
  }

  /**
   * Retries what a later try can fix: 429 (ingest queue full, load shedding), 503 and failures
   * before any answer (refused connection, reset, our own timeout). A retried ingest may land twice;
   * search collapses on event id for exactly that reason. Every other status is the caller's.
   */
  async function request(attempt: QuickwitAttempt): Promise<QuickwitReply> {
    let lastCause = "";
    let lastStatus: number | undefined;
    for (let tried = 1; tried <= attempts; tried++) {
      let retryAfterMs: number | undefined;
      try {
        const reply = await once(attempt);
        if (reply.status !== 429 && reply.status !== 503) return reply;
        lastStatus = reply.status;
        retryAfterMs = reply.retryAfterMs === undefined ? undefined : Math.min(maxDelayMs, reply.retryAfterMs);
        lastCause = `HTTP ${reply.status}${describe(reply.json)}`;
      } catch (error) {
        lastStatus = undefined;
        lastCause = networkCause(error);
      }
      if (tried < attempts) {
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (tried - 1));
        // Full jitter: many Lambdas retrying in step would otherwise hit Quickwit together again.
        await sleep(retryAfterMs ?? Math.round(Math.random() * ceiling));
      }
    }
    throw new QuickwitUnavailableError(attempt.operation, attempts, lastStatus, lastCause);
  }

  function fail(operation: string, reply: QuickwitReply): never {
    throw new QuickwitError(
      operation,
      reply.status,
      `Quickwit ${operation} answered HTTP ${reply.status}${describe(reply.json)}`,
    );
  }

  function parse<T extends z.ZodMiniType>(operation: string, reply: QuickwitReply, schema: T): z.output<T> {
    const parsed = schema.safeParse(reply.json);
    if (!parsed.success)
      throw new QuickwitError(operation, reply.status, `Quickwit ${operation}: unexpected response shape`);
    return parsed.data;
  }

  return {
    timeoutMs: options.timeoutMs ?? 10_000,
    // `wait_for` lasts up to the index's commit_timeout_secs (60 s by default).
    commitTimeoutMs: options.commitTimeoutMs ?? 120_000,
    request,
    fail,
    parse,
  };
}

/** Quickwit's error text, or "" when the answer carries none. */
export function messageOf(json: unknown): string {
  const parsed = ErrorBody().safeParse(json);
  return parsed.success ? parsed.data.message : "";
}

/** Quickwit's own error text, cut short: it may echo a query, never a request body. */
function describe(json: unknown): string {
  const message = messageOf(json);
  if (!message) return "";
  return `: ${message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT)}…` : message}`;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkCause(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out";
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === "string" ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
