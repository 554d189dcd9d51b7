import { setTimeout as sleep } from "node:timers/promises";
import * as z from "../zod/index.ts";
import { UnavailableError } from "../error/index.ts";

/*
 * A small client for Quickwit's REST API (https://quickwit.io/docs/reference/rest-api):
 * `POST api/v1/indexes`, `GET api/v1/indexes/<index id>`, `POST api/v1/<index id>/ingest` and
 * `GET api/v1/<index id>/search`. Field and parameter names are Quickwit's own (snake_case) so a
 * reader can hold this file against the documentation line by line.
 */

export type CommitMode = "auto" | "wait_for" | "force";

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

/** The subset of Quickwit's `IndexConfig` this project writes; Quickwit rejects unknown keys. */
export interface QuickwitIndexConfig {
  version: string;
  index_id: string;
  index_uri?: string;
  doc_mapping: QuickwitDocMapping;
  indexing_settings?: Record<string, unknown>;
  search_settings?: { default_search_fields?: string[] };
  retention?: { period: string; schedule?: string };
}

export interface QuickwitDocMapping {
  mode?: "dynamic" | "lenient" | "strict";
  field_mappings: QuickwitFieldMapping[];
  timestamp_field?: string;
  tag_fields?: string[];
  store_source?: boolean;
  [key: string]: unknown;
}

export interface QuickwitFieldMapping {
  name: string;
  type: "text" | "i64" | "u64" | "f64" | "bool" | "datetime" | "ip" | "bytes" | "json" | "object";
  description?: string;
  stored?: boolean;
  indexed?: boolean;
  fast?: boolean | { normalizer: "raw" | "lowercase" };
  tokenizer?: string;
  record?: "basic" | "freq" | "position";
  fieldnorms?: boolean;
  input_formats?: string[];
  output_format?: string;
  fast_precision?: "seconds" | "milliseconds" | "microseconds" | "nanoseconds";
  expand_dots?: boolean;
  [key: string]: unknown;
}

export interface QuickwitIngestOptions {
  commit?: CommitMode;
  /** Asks Quickwit for `parse_failures`; each one carries the rejected document's text. */
  detailedResponse?: boolean;
  timeoutMs?: number;
}

export interface QuickwitParseFailure {
  message: string;
  reason: "invalid_json" | "invalid_schema" | "unspecified" | string;
  document: string;
}

export interface QuickwitIngestResponse {
  num_docs_for_processing: number;
  /**
   * Absent on Quickwit's legacy ingest (0.8, and 0.9 with ingest v2 off), which reports no
   * per-document outcome: a rejected document can't be told from an indexed one there.
   */
  num_ingested_docs?: number;
  num_rejected_docs?: number;
  parse_failures?: QuickwitParseFailure[];
}

export interface QuickwitSearchRequest {
  query: string;
  /** Seconds, inclusive; Quickwit prunes splits with it whatever the field's precision. */
  startTimestamp?: number;
  /** Seconds, exclusive. */
  endTimestamp?: number;
  maxHits: number;
  startOffset?: number;
  /**
   * Quickwit's `sort_by` mini-language: comma-separated fast fields, DESCENDING unless prefixed
   * with `-` (`created_at` is newest first, `-created_at` oldest first).
   */
  sortBy?: string;
  searchFields?: string[];
  timeoutMs?: number;
}

export interface QuickwitSearchResponse<Hit = Record<string, unknown>> {
  num_hits: number;
  hits: Hit[];
  elapsed_time_micros: number;
  errors: string[];
}

export interface QuickwitIndexMetadata {
  index_uid?: string;
  index_config: QuickwitIndexConfig;
  [key: string]: unknown;
}

export interface QuickwitClient {
  /** Creates the index unless it exists already (the existing config is left untouched). */
  createIndex(config: QuickwitIndexConfig): Promise<{ created: boolean }>;
  /** The index metadata, or null when Quickwit answers 404. */
  getIndex(indexId: string): Promise<QuickwitIndexMetadata | null>;
  ingest(indexId: string, docs: readonly object[], options?: QuickwitIngestOptions): Promise<QuickwitIngestResponse>;
  search<Hit = Record<string, unknown>>(
    indexId: string,
    request: QuickwitSearchRequest,
  ): Promise<QuickwitSearchResponse<Hit>>;
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

/** Quickwit's default `content_length_limit` for ingest is 10 MiB; stay clear of it. */
const MAX_INGEST_BYTES = 9 * 1024 * 1024;
const MESSAGE_LIMIT = 300;

const ErrorBody = z.object({ message: z.string() });
const IngestBody = z.object({
  num_docs_for_processing: z.number(),
  num_ingested_docs: z.optional(z.number()),
  num_rejected_docs: z.optional(z.number()),
  parse_failures: z.optional(z.array(z.object({ message: z.string(), reason: z.string(), document: z.string() }))),
});
const SearchBody = z.object({
  num_hits: z.number(),
  hits: z.array(z.record(z.string(), z.unknown())),
  elapsed_time_micros: z.number(),
  errors: z._default(z.array(z.string()), []),
});
const IndexMetadataBody = z.looseObject({
  index_uid: z.optional(z.string()),
  index_config: z.looseObject({ index_id: z.string() }),
});

interface Attempt {
  operation: string;
  method: "GET" | "POST";
  path: string;
  query?: URLSearchParams;
  body?: string;
  contentType?: string;
  timeoutMs: number;
}

interface Reply {
  status: number;
  json: unknown;
  retryAfterMs: number | undefined;
}

export function createQuickwitClient(options: QuickwitClientOptions): QuickwitClient {
  // A trailing slash keeps a path prefix (a proxy mount) when the API path is resolved against it.
  const base = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
  try {
    void new URL(base);
  } catch {
    // Not echoed: the address may carry a proxy's credentials.
    throw new TypeError("Quickwit baseUrl is not an absolute URL");
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // `wait_for` lasts up to the index's commit_timeout_secs (60 s by default).
  const commitTimeoutMs = options.commitTimeoutMs ?? 120_000;
  const attempts = Math.max(1, options.retry?.attempts ?? 3);
  const baseDelayMs = options.retry?.baseDelayMs ?? 200;
  const maxDelayMs = options.retry?.maxDelayMs ?? 3_000;

  function url(path: string, query?: URLSearchParams): string {
    const target = new URL(`api/v1/${path}`, base);
    if (query) target.search = query.toString();
    return target.href;
  }

  async function once(attempt: Attempt): Promise<Reply> {
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
  async function request(attempt: Attempt): Promise<Reply> {
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

  function fail(operation: string, reply: Reply): never {
    throw new QuickwitError(
      operation,
      reply.status,
      `Quickwit ${operation} answered HTTP ${reply.status}${describe(reply.json)}`,
    );
  }

  async function getIndex(indexId: string): Promise<QuickwitIndexMetadata | null> {
    const operation = `get index ${indexId}`;
    const reply = await request({
      operation,
      method: "GET",
      path: `indexes/${encodeURIComponent(indexId)}`,
      timeoutMs,
    });
    if (reply.status === 404) return null;
    if (reply.status !== 200) fail(operation, reply);
    const parsed = IndexMetadataBody.safeParse(reply.json);
    if (!parsed.success)
      throw new QuickwitError(operation, reply.status, `Quickwit ${operation}: unexpected response shape`);
    return parsed.data as unknown as QuickwitIndexMetadata;
  }

  async function createIndex(config: QuickwitIndexConfig): Promise<{ created: boolean }> {
    // Looking first keeps the usual case (index already there) free of an error in Quickwit's log.
    if (await getIndex(config.index_id)) return { created: false };
    const operation = `create index ${config.index_id}`;
    const reply = await request({
      operation,
      method: "POST",
      path: "indexes",
      body: JSON.stringify(config),
      contentType: "application/json",
      timeoutMs,
    });
    if (reply.status === 200) return { created: true };
    // A concurrent setup, or a retried POST whose first try went through: Quickwit answers 400
    // "index `x` already exist(s)".
    if (reply.status === 400 && /already exist/i.test(messageOf(reply.json))) return { created: false };
    fail(operation, reply);
  }

  // Learned from the first answer: Quickwit 0.9's legacy ingest (v1: ingest v2 off, or
  // use_legacy_ingest) refuses `detailed_response=true` with a 400, 0.8 ignores it.
  let detailedRefused = false;

  async function ingestChunk(
    indexId: string,
    body: string,
    options: QuickwitIngestOptions,
  ): Promise<QuickwitIngestResponse> {
    const commit = options.commit ?? "auto";
    const query = new URLSearchParams({ commit });
    const detailed = options.detailedResponse === true && !detailedRefused;
    if (detailed) query.set("detailed_response", "true");
    const operation = `ingest into ${indexId}`;
    const reply = await request({
      operation,
      method: "POST",
      path: `${encodeURIComponent(indexId)}/ingest`,
      query,
      body,
      contentType: "application/x-ndjson",
      timeoutMs: options.timeoutMs ?? (commit === "auto" ? timeoutMs : commitTimeoutMs),
    });
    if (detailed && reply.status === 400 && /detailed_response is not supported/i.test(messageOf(reply.json))) {
      // Nothing was ingested: the check comes before the documents are read. Same batch, without.
      detailedRefused = true;
      return ingestChunk(indexId, body, options);
    }
    if (reply.status !== 200) fail(operation, reply);
    const parsed = IngestBody.safeParse(reply.json);
    if (!parsed.success)
      throw new QuickwitError(operation, reply.status, `Quickwit ${operation}: unexpected response shape`);
    return parsed.data;
  }

  async function ingest(
    indexId: string,
    docs: readonly object[],
    options: QuickwitIngestOptions = {},
  ): Promise<QuickwitIngestResponse> {
    const total: QuickwitIngestResponse = { num_docs_for_processing: 0 };
    for (const body of ndjsonChunks(docs)) {
      const part = await ingestChunk(indexId, body, options);
      total.num_docs_for_processing += part.num_docs_for_processing;
      if (part.num_ingested_docs !== undefined) {
        total.num_ingested_docs = (total.num_ingested_docs ?? 0) + part.num_ingested_docs;
      }
      if (part.num_rejected_docs !== undefined) {
        total.num_rejected_docs = (total.num_rejected_docs ?? 0) + part.num_rejected_docs;
      }
      if (part.parse_failures) total.parse_failures = [...(total.parse_failures ?? []), ...part.parse_failures];
    }
    return total;
  }

  async function search<Hit = Record<string, unknown>>(
    indexId: string,
    params: QuickwitSearchRequest,
  ): Promise<QuickwitSearchResponse<Hit>> {
    const query = new URLSearchParams({ query: params.query, max_hits: String(params.maxHits) });
    if (params.startOffset !== undefined) query.set("start_offset", String(params.startOffset));
    if (params.startTimestamp !== undefined) query.set("start_timestamp", String(Math.floor(params.startTimestamp)));
    if (params.endTimestamp !== undefined) query.set("end_timestamp", String(Math.ceil(params.endTimestamp)));
    if (params.sortBy) query.set("sort_by", params.sortBy);
    if (params.searchFields?.length) query.set("search_field", params.searchFields.join(","));
    query.set("format", "json");
    const operation = `search ${indexId}`;
    const reply = await request({
      operation,
      method: "GET",
      path: `${encodeURIComponent(indexId)}/search`,
      query,
      timeoutMs: params.timeoutMs ?? timeoutMs,
    });
    if (reply.status !== 200) fail(operation, reply);
    const parsed = SearchBody.safeParse(reply.json);
    if (!parsed.success)
      throw new QuickwitError(operation, reply.status, `Quickwit ${operation}: unexpected response shape`);
    return parsed.data as QuickwitSearchResponse<Hit>;
  }

  return { createIndex, getIndex, ingest, search };
}

/** NDJSON bodies under the ingest size limit; one document a line (JSON.stringify escapes newlines). */
function* ndjsonChunks(docs: readonly object[]): Generator<string> {
  let lines: string[] = [];
  let size = 0;
  for (const [position, doc] of docs.entries()) {
    const line = JSON.stringify(doc);
    const bytes = Buffer.byteLength(line) + 1;
    if (bytes > MAX_INGEST_BYTES) {
      // Named by position only: the document itself may hold what should not reach a log.
      throw new QuickwitError("ingest", 413, `document #${position} is larger than Quickwit's ingest limit`);
    }
    if (size + bytes > MAX_INGEST_BYTES && lines.length > 0) {
      yield `${lines.join("\n")}\n`;
      lines = [];
      size = 0;
    }
    lines.push(line);
    size += bytes;
  }
  if (lines.length > 0) yield `${lines.join("\n")}\n`;
}

function messageOf(json: unknown): string {
  const parsed = ErrorBody.safeParse(json);
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
