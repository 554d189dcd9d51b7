/**
 * STAND-IN for Quickwit, for tests only: Quickwit cannot run on this machine, so this small
 * node:http server answers the few REST endpoints VoxGuard calls, with Quickwit's request and
 * response shapes, so the client and the audit search are exercised over real HTTP.
 *
 * It follows these Quickwit pages (and, where they are silent, Quickwit's source):
 * - REST API, https://quickwit.io/docs/reference/rest-api
 *   `POST api/v1/indexes` (JSON IndexConfig; 400 `metastore error ...already exist(s)` for a
 *   duplicate), `GET api/v1/indexes/<index id>` (404 when missing), `POST api/v1/<index id>/ingest`
 *   (NDJSON, `commit=auto|wait_for|force`, `detailed_response`; answers `num_docs_for_processing`,
 *   `num_ingested_docs`, `num_rejected_docs`, `parse_failures` as ingest v2 does),
 *   `GET api/v1/<index id>/search` (`query`, `start_timestamp`/`end_timestamp` in seconds,
 *   `max_hits` default 20, `start_offset`, `sort_by` descending unless `-`-prefixed; answers
 *   `{num_hits, hits, elapsed_time_micros, errors}`; unknown parameters are a 400); errors are
 *   `{"message": ...}`.
 * - Index configuration, https://quickwit.io/docs/configuration/index-config
 *   (index id rules, field types and their parameters, `mode: strict` rejecting documents with an
 *   undeclared field, `timestamp_field` required to be a fast datetime and present in every
 *   document, default search fields, retention needing a timestamp field).
 * - Query language, https://quickwit.io/docs/reference/query-language
 *   (subset: `field:value`, `field:"..."`, `field:'...'`, bare terms over the default search
 *   fields, AND / OR / NOT / `-`, parentheses, `*`; backslash escapes).
 *
 * Limits enforced as Quickwit's source does (paths in the quickwit-oss/quickwit repository):
 * - `start_offset` over 10,000 and `max_hits` over 10,000 are a 400 "Invalid argument: max value
 *   for start_offset is 10_000, but got N" (quickwit/quickwit-search/src/root.rs, the request
 *   validation before any split is searched). The REST search has no `search_after`
 *   (quickwit/quickwit-serve/src/search_api/rest_handler.rs sets it to None).
 * - Ingest, by `ingest` option: "v2" (0.9's default) answers `num_ingested_docs`,
 *   `num_rejected_docs` and, with `detailed_response=true`, `parse_failures`; "v1" (0.9 with
 *   ingest v2 off, or `use_legacy_ingest`) answers 400 "detailed_response is not supported in
 *   ingest v1" to `detailed_response=true` and otherwise only `num_docs_for_processing`
 *   (quickwit/quickwit-serve/src/ingest_api/rest_handler.rs, ingest_v1; response.rs,
 *   from_ingest_v1); "0.8" ignores `detailed_response` and answers only
 *   `num_docs_for_processing`, its legacy ingest having no per-document outcome.
 *
 * - Documents become searchable at a commit, not at ingest: with `commit=auto` the indexer
 *   commits `indexing_settings.commit_timeout_secs` (60 s by default,
 *   quickwit/quickwit-config/src/index_config/mod.rs, default_commit_timeout_secs) after the
 *   first document of the open split arrived; `force` commits at once, `wait_for` answers once
 *   the commit happened. Until then a search does not see them, so a test that searches after an
 *   ingest waits as long as a user would.
 *
 * Deliberate differences, so no test leans on them: only JSON index configs are read; no ranges, wildcards,
 * aggregations or scoring. Like Quickwit it does NOT deduplicate: ingesting a document twice
 * stores it twice.
 *
 * Test controls: `failNext(status, times)` answers the next requests with 429/503 (or any status)
 * and `setDown(true)` stops listening, so a connection is refused as when Quickwit is down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIP } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { INDEX_ID_PATTERN as INDEX_ID } from "@voxguard/core/search/schema";

export interface QuickwitStandInOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Which ingest path answers (see above); "v2" by default. */
  ingest?: "v2" | "v1" | "0.8";
}

/** Quickwit's ceiling for `start_offset` and for `max_hits` (quickwit-search/src/root.rs). */
export const QUICKWIT_MAX_OFFSET = 10_000;

export interface QuickwitStandInRequest {
  method: string;
  path: string;
  status: number;
}

export interface QuickwitStandIn {
  url: string;
  close(): Promise<void>;
  /** Down: the port stops listening and open connections are cut. Up again: same port. */
  setDown(down: boolean): Promise<void>;
  /** The next `times` requests get `status` with a Quickwit-style error body. */
  failNext(status: number, times?: number, options?: { retryAfterSeconds?: number }): void;
  /** Every request answered so far, failures included. */
  readonly requests: QuickwitStandInRequest[];
  /** The stored documents of an index, in ingest order (as the hits show them). */
  documents(indexId: string): Record<string, unknown>[];
  /** Drops every index and pending failure. */
  reset(): void;
}

type Json = Record<string, unknown>;

interface FieldMapping {
  name: string;
  type: string;
  stored: boolean;
  indexed: boolean;
  fast: boolean;
  tokenizer: string;
  record: string;
  inputFormats: string[];
  outputFormat: string;
}

interface IndexState {
  metadata: Json;
  mode: string;
  fields: Map<string, FieldMapping>;
  timestampField: string | undefined;
  defaultSearchFields: string[];
  docs: StoredDoc[];
  commitTimeoutMs: number;
  /** When the first document of the open (uncommitted) split arrived. */
  openSince: number | undefined;
}

interface StoredDoc {
  seq: number;
  /** The document as a hit returns it (stored fields, datetimes in their output format). */
  hit: Json;
  /** Field values as parsed: strings, numbers, epoch milliseconds for datetimes, objects for json. */
  values: Map<string, unknown[]>;
  timestampMs: number | undefined;
  /** The commit that makes it searchable (epoch ms). */
  visibleAt: number;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const FIELD_NAME = /^[@$_\-a-zA-Z][@$_/.\-a-zA-Z0-9]{0,254}$/;
const CONFIG_VERSIONS = new Set(["0.7", "0.8", "0.9"]);
const TOKENIZERS = new Set(["raw", "raw_lowercase", "default", "en_stem", "whitespace", "chinese_compatible", "lowercase"]);
const DATE_INPUT_FORMATS = new Set(["iso8601", "rfc2822", "rfc3339", "unix_timestamp"]);
const DATE_OUTPUT_FORMATS = new Set([
  "iso8601",
  "rfc2822",
  "rfc3339",
  "unix_timestamp_secs",
  "unix_timestamp_millis",
  "unix_timestamp_micros",
  "unix_timestamp_nanos",
]);
const COMMON_KEYS = ["name", "type", "description", "stored", "indexed", "fast"];
const KEYS_BY_TYPE: Record<string, string[]> = {
  text: [...COMMON_KEYS, "tokenizer", "record", "fieldnorms"],
  json: [...COMMON_KEYS, "tokenizer", "record", "expand_dots"],
  datetime: [...COMMON_KEYS, "input_formats", "output_format", "fast_precision"],
  ip: COMMON_KEYS,
  bool: COMMON_KEYS,
  i64: [...COMMON_KEYS, "coerce", "output_format"],
  u64: [...COMMON_KEYS, "coerce", "output_format"],
  f64: [...COMMON_KEYS, "coerce", "output_format"],
  bytes: [...COMMON_KEYS, "input_format", "output_format"],
};
const INDEX_CONFIG_KEYS = new Set([
  "version",
  "index_id",
  "index_uri",
  "doc_mapping",
  "indexing_settings",
  "search_settings",
  "retention",
]);
const DOC_MAPPING_KEYS = new Set([
  "field_mappings",
  "mode",
  "dynamic_mapping",
  "tag_fields",
  "store_source",
  "timestamp_field",
  "partition_key",
  "max_num_partitions",
  "index_field_presence",
  "tokenizers",
  "store_document_size",
  "doc_mapping_uid",
]);
const SEARCH_PARAMS = new Set([
  "query",
  "aggs",
  "search_field",
  "snippet_fields",
  "start_timestamp",
  "end_timestamp",
  "max_hits",
  "start_offset",
  "format",
  "sort_by",
  "sort_by_field",
  "count_all",
  "allow_failed_splits",
]);
const DURATION = /^\s*(\d+\s*(nsec|ns|usec|us|msec|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d|weeks|week|w|months|month|M|years|year|y)\s*)+$/;
const SCHEDULES = new Set(["hourly", "daily", "weekly", "monthly", "yearly", "@hourly", "@daily", "@weekly", "@monthly", "@yearly"]);

export async function startQuickwitStandIn(options: QuickwitStandInOptions = {}): Promise<QuickwitStandIn> {
  const indexes = new Map<string, IndexState>();
  const requests: QuickwitStandInRequest[] = [];
  const failures: { status: number; retryAfterSeconds: number | undefined }[] = [];
  let seq = 0;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const method = req.method ?? "GET";
    const body = await readBody(req);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      requests.push({ method, path: url.pathname, status });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    const failure = failures.shift();
    if (failure) {
      const message = failure.status === 429 ? "too many requests" : failure.status === 503 ? "service unavailable: stand-in failure" : "stand-in failure";
      const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { "retry-after": String(failure.retryAfterSeconds) };
      send(failure.status, { message }, headers);
      return;
    }
    try {
      send(200, await route(method, url, body, req.headers["content-type"]));
    } catch (error) {
      if (error instanceof HttpError) send(error.status, { message: error.message });
      else send(500, { message: `internal error: ${(error as Error).message}` });
    }
  }

  function route(method: string, url: { pathname: string; searchParams: URLSearchParams }, body: string, contentType: string | undefined): unknown {
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "api" || parts[1] !== "v1") throw new HttpError(404, "Route not found");
    const [, , first, second, third] = parts;
    if (first === "indexes" && second === undefined && method === "POST") return createIndex(body, contentType);
    if (first === "indexes" && second !== undefined && third === undefined && method === "GET") {
      const index = indexes.get(second);
      if (!index) throw new HttpError(404, `index \`${second}\` not found`);
      return index.metadata;
    }
    if (first !== undefined && first !== "indexes" && second === "ingest" && third === undefined && method === "POST") {
      return ingest(first, url.searchParams, body);
    }
    if (first !== undefined && first !== "indexes" && second === "search" && third === undefined && method === "GET") {
      return search(first, url.searchParams);
    }
    throw new HttpError(404, "Route not found");
  }

  function createIndex(body: string, contentType: string | undefined): unknown {
    if (contentType) {
      const subtype = contentType.split(";")[0]!.trim().split("/")[1];
      if (subtype !== "json" && subtype !== "yaml" && subtype !== "toml") throw new HttpError(415, "unsupported media type");
      if (subtype !== "json") throw new HttpError(400, "invalid config: the stand-in reads JSON index configs only");
    }
    let config: unknown;
    try {
      config = JSON.parse(body);
    } catch (error) {
      throw new HttpError(400, `invalid config: failed to parse JSON: ${(error as Error).message}`);
    }
    const state = validateIndexConfig(config);
    const indexId = (config as Json).index_id as string;
    if (indexes.has(indexId)) throw new HttpError(400, `metastore error \`index \`${indexId}\` already exist(s)\``);
    indexes.set(indexId, state);
    return state.metadata;
  }

  async function ingest(indexId: string, params: URLSearchParams, body: string): Promise<unknown> {
    const commit = params.get("commit") ?? "auto";
    if (!["auto", "wait_for", "force"].includes(commit)) {
      throw new HttpError(400, `unknown variant \`${commit}\`, expected one of \`auto\`, \`wait_for\`, \`force\``);
    }
    const ingestPath = options.ingest ?? "v2";
    const detailed = ingestPath === "v2" && params.get("detailed_response") === "true";
    if (ingestPath === "v1" && params.get("detailed_response") === "true") {
      throw new HttpError(400, "detailed_response is not supported in ingest v1");
    }
    if (!INDEX_ID.test(indexId)) throw new HttpError(400, "bad request (invalid index ID)");
    const index = indexes.get(indexId);
    if (!index) throw new HttpError(404, `index \`${indexId}\` not found`);
    const lines = body.split("\n").filter((line) => line.trim().length > 0);
    const now = Date.now();
    if (index.openSince !== undefined && now >= index.openSince + index.commitTimeoutMs) index.openSince = undefined;
    const parseFailures: { message: string; reason: string; document: string }[] = [];
    let ingested = 0;
    for (const line of lines) {
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch (error) {
        parseFailures.push({ message: `failed to parse JSON document: ${(error as Error).message}`, reason: "invalid_json", document: line });
        continue;
      }
      if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        parseFailures.push({ message: "the provided string is not a syntactically valid JSON object", reason: "invalid_json", document: line });
        continue;
      }
      try {
        const stored = parseDoc(index, doc as Json, ++seq);
        index.openSince ??= now;
        stored.visibleAt = index.openSince + index.commitTimeoutMs;
        index.docs.push(stored);
        ingested++;
      } catch (error) {
        parseFailures.push({ message: (error as Error).message, reason: "invalid_schema", document: line });
      }
    }
    if (commit === "force") {
      for (const stored of index.docs) stored.visibleAt = Math.min(stored.visibleAt, now);
      index.openSince = undefined;
    } else if (commit === "wait_for" && index.openSince !== undefined) {
      await sleep(Math.max(0, index.openSince + index.commitTimeoutMs - Date.now()));
    }
    if (lines.length === 0) return { num_docs_for_processing: 0 };
    // The legacy path counts what it was given, nothing more: a rejection is invisible here.
    if (ingestPath !== "v2") return { num_docs_for_processing: lines.length };
    return {
      num_docs_for_processing: lines.length,
      num_ingested_docs: ingested,
      num_rejected_docs: parseFailures.length,
      ...(detailed ? { parse_failures: parseFailures } : {}),
    };
  }

  function search(indexId: string, params: URLSearchParams): unknown {
    const started = process.hrtime.bigint();
    for (const key of params.keys()) {
      if (!SEARCH_PARAMS.has(key)) throw new HttpError(400, `unknown field \`${key}\``);
    }
    const queryText = params.get("query");
    if (queryText === null) throw new HttpError(400, "missing field `query`");
    const index = indexes.get(indexId);
    if (!index) throw new HttpError(404, `could not find indexes matching the IDs \`["${indexId}"]\``);
    const maxHits = integerParam(params, "max_hits", 20);
    const startOffset = integerParam(params, "start_offset", 0);
    if (startOffset > QUICKWIT_MAX_OFFSET) {
      throw new HttpError(400, `Invalid argument: max value for start_offset is 10_000, but got ${startOffset}`);
    }
    if (maxHits > QUICKWIT_MAX_OFFSET) throw new HttpError(400, `Invalid argument: max value for max_hits is 10_000, but got ${maxHits}`);
    const startTimestamp = params.has("start_timestamp") ? integerParam(params, "start_timestamp", 0) : undefined;
    const endTimestamp = params.has("end_timestamp") ? integerParam(params, "end_timestamp", 0) : undefined;
    const searchFields = params.get("search_field")?.split(",").filter(Boolean) ?? index.defaultSearchFields;

    let ast: QueryNode;
    try {
      ast = new QueryParser(queryText).parse();
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `failed to parse query: \`${queryText}\``);
    }
    const matcher = compile(ast, index, searchFields);

    const now = Date.now();
    let matches = index.docs.filter((doc) => {
      if (doc.visibleAt > now) return false;
      if (startTimestamp !== undefined || endTimestamp !== undefined) {
        if (doc.timestampMs === undefined) return false;
        if (startTimestamp !== undefined && doc.timestampMs < startTimestamp * 1000) return false;
        if (endTimestamp !== undefined && doc.timestampMs >= endTimestamp * 1000) return false;
      }
      return matcher(doc);
    });
    matches = sortDocs(matches, index, params.get("sort_by") ?? params.get("sort_by_field") ?? "");
    const hits = matches.slice(startOffset, startOffset + maxHits).map((doc) => structuredClone(doc.hit));
    return {
      num_hits: matches.length,
      hits,
      elapsed_time_micros: Number((process.hrtime.bigint() - started) / 1000n),
      errors: [],
    };
  }

  let server: Server = createServer(handler);
  await listen(server, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  let down = false;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      if (!down) await stop(server);
      down = true;
    },
    async setDown(value: boolean) {
      if (value === down) return;
      down = value;
      if (value) {
        await stop(server);
      } else {
        server = createServer(handler);
        await listen(server, port);
      }
    },
    failNext(status: number, times = 1, failOptions = {}) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfterSeconds: failOptions.retryAfterSeconds });
    },
    documents(indexId: string) {
      return (indexes.get(indexId)?.docs ?? []).map((doc) => structuredClone(doc.hit));
    },
    reset() {
      indexes.clear();
      failures.length = 0;
      requests.length = 0;
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets would otherwise keep answering while "down".
    server.closeAllConnections();
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function integerParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, `invalid digit found in string (\`${name}\`)`);
  const value = Number(raw);
  if (name !== "start_timestamp" && name !== "end_timestamp" && value < 0) throw new HttpError(400, `invalid digit found in string (\`${name}\`)`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Index config validation

function invalid(message: string): never {
  throw new HttpError(400, `invalid config: ${message}`);
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function validateIndexConfig(config: unknown): IndexState {
  if (!isObject(config)) invalid("the index config must be an object");
  if (typeof config.version !== "string" || !CONFIG_VERSIONS.has(config.version)) {
    invalid(`unknown variant \`${String(config.version)}\`, expected \`0.9\` or \`0.8\``);
  }
  for (const key of Object.keys(config)) if (!INDEX_CONFIG_KEYS.has(key)) invalid(`unknown field \`${key}\``);
  const indexId = config.index_id;
  if (typeof indexId !== "string" || !INDEX_ID.test(indexId)) {
    invalid(`index identifier \`${String(indexId)}\` is invalid: it must start with a letter and contain only ASCII letters, digits, hyphens and underscores (3 to 255 characters)`);
  }
  const mapping = config.doc_mapping;
  if (!isObject(mapping)) invalid("missing field `doc_mapping`");
  for (const key of Object.keys(mapping)) if (!DOC_MAPPING_KEYS.has(key)) invalid(`unknown field \`${key}\``);
  const mode = mapping.mode ?? "dynamic";
  if (mode !== "dynamic" && mode !== "lenient" && mode !== "strict") invalid(`unknown variant \`${String(mode)}\``);
  const rawFields = mapping.field_mappings ?? [];
  if (!Array.isArray(rawFields)) invalid("`field_mappings` must be a list");
  const fields = new Map<string, FieldMapping>();
  for (const raw of rawFields) {
    const field = validateField(raw);
    if (fields.has(field.name)) invalid(`duplicated field definition \`${field.name}\``);
    fields.set(field.name, field);
  }

  const timestampField = mapping.timestamp_field;
  if (timestampField !== undefined && timestampField !== null) {
    if (typeof timestampField !== "string") invalid("`timestamp_field` must be a string");
    const field = fields.get(timestampField);
    if (!field) invalid(`could not find timestamp field \`${timestampField}\` in field mappings`);
    if (field.type !== "datetime") invalid(`timestamp field \`${timestampField}\` should be a datetime field`);
    if (!field.fast) invalid(`timestamp field \`${timestampField}\` should be a fast field`);
  }

  const searchSettings = config.search_settings;
  if (searchSettings !== undefined && !isObject(searchSettings)) invalid("`search_settings` must be an object");
  const defaultSearchFields = (searchSettings?.default_search_fields ?? []) as unknown;
  if (!Array.isArray(defaultSearchFields)) invalid("`default_search_fields` must be a list");
  for (const name of defaultSearchFields) {
    const field = typeof name === "string" ? fields.get(name) : undefined;
    if (!field && mode !== "dynamic") invalid(`unknown default search field \`${String(name)}\``);
    if (field && !field.indexed) invalid(`default search field \`${String(name)}\` is not indexed`);
  }

  const indexing = config.indexing_settings ?? {};
  if (!isObject(indexing)) invalid("`indexing_settings` must be an object");
  const commitTimeoutSecs = indexing.commit_timeout_secs ?? 60;
  if (typeof commitTimeoutSecs !== "number" || !Number.isInteger(commitTimeoutSecs) || commitTimeoutSecs < 1) {
    invalid(`invalid type: \`commit_timeout_secs\` must be a positive integer, got \`${String(commitTimeoutSecs)}\``);
  }

  const retention = config.retention;
  if (retention !== undefined) {
    if (!isObject(retention)) invalid("`retention` must be an object");
    if (typeof retention.period !== "string" || !DURATION.test(retention.period)) {
      invalid(`failed to parse retention period \`${String(retention.period)}\``);
    }
    const schedule = retention.schedule ?? "hourly";
    if (typeof schedule !== "string" || (!SCHEDULES.has(schedule) && schedule.trim().split(/\s+/).length < 5)) {
      invalid(`failed to parse retention schedule \`${String(schedule)}\``);
    }
    if (timestampField === undefined || timestampField === null) invalid("retention policy requires a timestamp field");
  }

  return {
    metadata: {
      version: config.version,
      index_uid: `${indexId}:${Date.now().toString(36).toUpperCase().padStart(26, "0")}`,
      index_config: structuredClone(config),
      checkpoint: {},
      create_timestamp: Math.floor(Date.now() / 1000),
      sources: [],
    },
    mode,
    fields,
    timestampField: timestampField ?? undefined,
    defaultSearchFields: defaultSearchFields as string[],
    docs: [],
    commitTimeoutMs: commitTimeoutSecs * 1000,
    openSince: undefined,
  };
}

function validateField(raw: unknown): FieldMapping {
  if (!isObject(raw)) invalid("a field mapping must be an object");
  const name = raw.name;
  if (typeof name !== "string" || !FIELD_NAME.test(name)) invalid(`illegal field name \`${String(name)}\``);
  const type = raw.type;
  const allowed = typeof type === "string" ? KEYS_BY_TYPE[type] : undefined;
  if (!allowed) invalid(`error while parsing field \`${name}\`: unknown type \`${String(type)}\``);
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) invalid(`error while parsing field \`${name}\`: unknown field \`${key}\``);
  }
  const tokenizer = raw.tokenizer ?? (type === "text" ? "default" : "raw");
  if (typeof tokenizer !== "string" || !TOKENIZERS.has(tokenizer)) invalid(`unknown tokenizer \`${String(tokenizer)}\``);
  const record = raw.record ?? "basic";
  if (record !== "basic" && record !== "freq" && record !== "position") invalid(`unknown variant \`${String(record)}\``);
  const inputFormats = (raw.input_formats ?? ["rfc3339", "unix_timestamp"]) as unknown;
  if (type === "datetime") {
    if (!Array.isArray(inputFormats) || inputFormats.length === 0) invalid("`input_formats` must be a non-empty list");
    for (const format of inputFormats) {
      if (typeof format !== "string" || (!DATE_INPUT_FORMATS.has(format) && !format.includes("%"))) invalid(`unknown input format \`${String(format)}\``);
    }
    const output = raw.output_format ?? "rfc3339";
    if (typeof output !== "string" || !DATE_OUTPUT_FORMATS.has(output)) invalid(`unknown output format \`${String(output)}\``);
    const precision = raw.fast_precision ?? "seconds";
    if (!["seconds", "milliseconds", "microseconds", "nanoseconds"].includes(precision as string)) {
      invalid(`unknown variant \`${String(precision)}\``);
    }
  }
  const fast = raw.fast;
  if (fast !== undefined && typeof fast !== "boolean" && !isObject(fast)) invalid(`\`fast\` of field \`${name}\` must be a boolean or an object`);
  return {
    name,
    type: type as string,
    stored: raw.stored !== false,
    indexed: raw.indexed !== false,
    fast: fast === true || isObject(fast),
    tokenizer,
    record,
    inputFormats: inputFormats as string[],
    outputFormat: (raw.output_format as string | undefined) ?? "rfc3339",
  };
}

// ---------------------------------------------------------------------------------------------
// Documents

function parseDoc(index: IndexState, doc: Json, seq: number): StoredDoc {
  const hit: Json = {};
  const values = new Map<string, unknown[]>();
  let timestampMs: number | undefined;
  for (const [key, value] of Object.entries(doc)) {
    const field = index.fields.get(key);
    if (!field) {
      if (index.mode === "strict") {
        throw new Error(`the document contains a field that is not declared in the schema: ${JSON.stringify(key)}`);
      }
      if (index.mode === "dynamic") {
        hit[key] = value;
        values.set(key, [value]);
      }
      continue;
    }
    if (value === null) continue;
    const items = Array.isArray(value) ? value.filter((item) => item !== null) : [value];
    if (items.length === 0) continue;
    if (Array.isArray(value) && key === index.timestampField) {
      throw new Error(`the document contains an array of values but a single value is expected: ${JSON.stringify(key)}`);
    }
    const parsed = items.map((item) => parseValue(field, item));
    values.set(key, parsed);
    if (key === index.timestampField) timestampMs = parsed[0] as number;
    if (field.stored) {
      const shown = parsed.map((item) => (field.type === "datetime" ? formatDate(item as number, field.outputFormat) : item));
      hit[key] = Array.isArray(value) ? shown : shown[0];
    }
  }
  if (index.timestampField !== undefined && timestampMs === undefined) {
    throw new Error('the document must contain field "timestamp field is required"');
  }
  return { seq, hit, values, timestampMs, visibleAt: Number.POSITIVE_INFINITY };
}

function parseValue(field: FieldMapping, value: unknown): unknown {
  const bad = (expected: string): never => {
    throw new Error(`the field \`${field.name}\` could not be parsed: expected ${expected}, got \`${JSON.stringify(value)}\``);
  };
  switch (field.type) {
    case "text":
      return typeof value === "string" ? value : bad("string");
    case "json":
      return isObject(value) ? value : bad("JSON object");
    case "ip":
      return typeof value === "string" && isIP(value) !== 0 ? value : bad("IP address");
    case "bool":
      return typeof value === "boolean" ? value : bad("boolean");
    case "i64":
    case "u64":
    case "f64": {
      const number = typeof value === "string" ? Number(value) : value;
      if (typeof number !== "number" || !Number.isFinite(number)) return bad("number");
      if (field.type !== "f64" && !Number.isInteger(number)) return bad("integer");
      if (field.type === "u64" && number < 0) return bad("unsigned integer");
      return number;
    }
    case "datetime":
      return parseDate(field, value) ?? bad(`datetime in one of ${field.inputFormats.join(", ")}`);
    default:
      return value;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseDate(field: FieldMapping, value: unknown): number | undefined {
  for (const format of field.inputFormats) {
    if ((format === "rfc3339" || format === "iso8601") && typeof value === "string" && RFC3339.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
    if (format === "rfc2822" && typeof value === "string" && /^[A-Z][a-z]{2}, /.test(value)) {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
    if (format === "unix_timestamp") {
      const number = typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      if (typeof number === "number" && Number.isFinite(number)) return unixToMs(number);
    }
  }
  return undefined;
}

/** Integer precision inferred from the digit count, floats as seconds, as Quickwit documents. */
function unixToMs(value: number): number {
  if (!Number.isInteger(value)) return value * 1000;
  const abs = Math.abs(value);
  if (abs < 1e11) return value * 1000;
  if (abs < 1e14) return value;
  if (abs < 1e17) return Math.trunc(value / 1000);
  return Math.trunc(value / 1e6);
}

function formatDate(ms: number, format: string): unknown {
  switch (format) {
    case "unix_timestamp_secs":
      return Math.floor(ms / 1000);
    case "unix_timestamp_millis":
      return ms;
    case "unix_timestamp_micros":
      return ms * 1000;
    case "unix_timestamp_nanos":
      return ms * 1_000_000;
    case "rfc2822":
      return new Date(ms).toUTCString();
    default:
      return new Date(ms).toISOString();
  }
}

function sortDocs(docs: StoredDoc[], index: IndexState, sortBy: string): StoredDoc[] {
  const keys = sortBy
    .split(",")
    .filter(Boolean)
    .map((part) => {
      // Quickwit's mini-language: descending by default, `-` for ascending, `+` for descending.
      const ascending = part.startsWith("-");
      const name = part.replace(/^[+-]/, "").trim();
      if (name !== "_score") {
        const field = index.fields.get(name);
        if (!field) throw new HttpError(400, `Invalid argument: unknown field used in \`sort by\`: ${name}`);
        if (!field.fast) throw new HttpError(400, `Invalid argument: sort by field must be a fast field, please add the fast property to your field \`${name}\``);
      }
      return { name, ascending };
    });
  // Without sort fields (or on `_score`, which the stand-in does not compute) Quickwit returns
  // docs by descending doc id: the newest ingested first.
  const tieAscending = keys[0]?.name !== "_score" && keys[0]?.ascending === true;
  return [...docs].sort((a, b) => {
    for (const key of keys) {
      if (key.name === "_score") continue;
      const left = a.values.get(key.name)?.[0];
      const right = b.values.get(key.name)?.[0];
      // A doc without the value sorts after every doc with one, in either direction.
      if (left === undefined && right === undefined) continue;
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      const order = compareValues(left, right);
      if (order !== 0) return key.ascending ? order : -order;
    }
    return tieAscending ? a.seq - b.seq : b.seq - a.seq;
  });
}

function compareValues(left: unknown, right: unknown): number {
  if (typeof left === "number" && typeof right === "number") return left - right;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Query language subset

type Delimiter = "none" | "single" | "double";

type QueryNode =
  | { kind: "all" }
  | { kind: "and"; children: QueryNode[] }
  | { kind: "or"; children: QueryNode[] }
  | { kind: "not"; child: QueryNode }
  | { kind: "term"; field: string | undefined; text: string; delimiter: Delimiter };

type Token =
  | { type: "lparen" | "rparen" | "star" | "minus" | "plus" }
  | { type: "field"; name: string }
  | { type: "word"; text: string }
  | { type: "quoted"; text: string; delimiter: "single" | "double" };

class QueryParser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  parse(): QueryNode {
    if (this.tokens.length === 0) return { kind: "all" };
    const node = this.parseOr();
    if (this.position < this.tokens.length) throw new Error("trailing input");
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.type === "word" && token.text === word;
  }

  private parseOr(): QueryNode {
    const children = [this.parseAnd()];
    while (this.isKeyword("OR")) {
      this.position++;
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0]! : { kind: "or", children };
  }

  private parseAnd(): QueryNode {
    const children = [this.parseUnary()];
    for (;;) {
      const token = this.peek();
      if (!token || token.type === "rparen" || this.isKeyword("OR")) break;
      // Quickwit's REST search ANDs juxtaposed clauses (its default operator).
      if (this.isKeyword("AND")) this.position++;
      children.push(this.parseUnary());
    }
    return children.length === 1 ? children[0]! : { kind: "and", children };
  }

  private parseUnary(): QueryNode {
    const token = this.peek();
    if (token?.type === "minus" || (token?.type === "word" && token.text === "NOT")) {
      this.position++;
      return { kind: "not", child: this.parseUnary() };
    }
    if (token?.type === "plus") this.position++;
    return this.parsePrimary();
  }

  private parsePrimary(): QueryNode {
    const token = this.tokens[this.position++];
    if (!token) throw new Error("unexpected end of query");
    switch (token.type) {
      case "lparen": {
        const inner = this.parseOr();
        if (this.tokens[this.position++]?.type !== "rparen") throw new Error("missing `)`");
        return inner;
      }
      case "star":
        return { kind: "all" };
      case "field": {
        const value = this.tokens[this.position++];
        if (value?.type === "word") return { kind: "term", field: token.name, text: value.text, delimiter: "none" };
        if (value?.type === "quoted") return { kind: "term", field: token.name, text: value.text, delimiter: value.delimiter };
        if (value?.type === "star") throw new HttpError(400, "the stand-in does not support exists queries");
        throw new Error("expected a value after the field name");
      }
      case "word":
        if (token.text === "AND" || token.text === "OR") throw new Error("unexpected operator");
        return { kind: "term", field: undefined, text: token.text, delimiter: "none" };
      case "quoted":
        return { kind: "term", field: undefined, text: token.text, delimiter: token.delimiter };
      default:
        throw new Error("unexpected token");
    }
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === "(") {
      tokens.push({ type: "lparen" });
      i++;
    } else if (char === ")") {
      tokens.push({ type: "rparen" });
      i++;
    } else if (char === "*" && (i + 1 === text.length || /[\s)]/.test(text[i + 1]!))) {
      tokens.push({ type: "star" });
      i++;
    } else if (char === "-" || char === "+") {
      tokens.push({ type: char === "-" ? "minus" : "plus" });
      i++;
    } else if (char === '"' || char === "'") {
      // Inside quotes a backslash takes the next character literally; only the quote ends it.
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("missing closing quote");
        const inner = text[i]!;
        if (inner === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (inner === char) {
          i++;
          break;
        } else {
          value += inner;
          i++;
        }
      }
      if (text[i] === "~" || text[i] === "*" || text[i] === "^") throw new HttpError(400, "the stand-in does not support slop, prefix or boost");
      tokens.push({ type: "quoted", text: value, delimiter: char === '"' ? "double" : "single" });
    } else {
      let value = "";
      let isField = false;
      while (i < text.length) {
        const inner = text[i]!;
        if (inner === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (/\s/.test(inner) || inner === "(" || inner === ")" || inner === '"' || inner === "'") break;
        if (inner === ":") {
          isField = true;
          i++;
          break;
        }
        if ("*?[]{}<>^~".includes(inner)) throw new HttpError(400, "the stand-in does not support wildcards, ranges, boosts or sets");
        value += inner;
        i++;
      }
      if (value.length === 0) throw new Error("empty term");
      tokens.push(isField ? { type: "field", name: value } : { type: "word", text: value });
    }
  }
  return tokens;
}

type Matcher = (doc: StoredDoc) => boolean;

function compile(node: QueryNode, index: IndexState, defaultFields: string[]): Matcher {
  switch (node.kind) {
    case "all":
      return () => true;
    case "and": {
      const children = node.children.map((child) => compile(child, index, defaultFields));
      return (doc) => children.every((match) => match(doc));
    }
    case "or": {
      const children = node.children.map((child) => compile(child, index, defaultFields));
      return (doc) => children.some((match) => match(doc));
    }
    case "not": {
      const child = compile(node.child, index, defaultFields);
      return (doc) => !child(doc);
    }
    case "term": {
      const fields = node.field === undefined ? defaultFields : [node.field];
      if (fields.length === 0) throw new HttpError(400, "query requires a default search field and none was supplied");
      const matchers = fields.map((field) => termMatcher(field, node.text, node.delimiter, index));
      return (doc) => matchers.some((match) => match(doc));
    }
  }
}

function termMatcher(path: string, text: string, delimiter: Delimiter, index: IndexState): Matcher {
  const [root, ...rest] = path.split(".");
  const field = index.fields.get(path) ?? (rest.length > 0 ? index.fields.get(root!) : undefined);
  if (!field || (field.name !== path && field.type !== "json")) throw new HttpError(400, `invalid query: field does not exist: \`${path}\``);
  if (!field.indexed) throw new HttpError(400, `invalid query: field \`${path}\` is not indexed`);
  const jsonPath = field.name === path ? [] : rest;

  if (field.type === "ip") return (doc) => (doc.values.get(field.name) ?? []).includes(text);
  if (field.type === "bool") return (doc) => (doc.values.get(field.name) ?? []).some((value) => String(value) === text);
  if (field.type === "i64" || field.type === "u64" || field.type === "f64") {
    const number = Number(text);
    return (doc) => (doc.values.get(field.name) ?? []).includes(number);
  }
  if (field.type === "datetime") throw new HttpError(400, "the stand-in does not support term queries on datetime fields");

  const queryTokens = analyze(text, field.tokenizer);
  if (queryTokens.length === 0) return () => false; // zero_terms_query: match none
  const phrase = delimiter === "double" || (delimiter === "none" && field.record === "position");
  if (phrase && queryTokens.length > 1 && field.record !== "position") {
    throw new HttpError(400, "Applied phrase query on field which does not have positions indexed");
  }
  return (doc) => {
    const values = (doc.values.get(field.name) ?? []).flatMap((value) =>
      field.type === "json" ? jsonLeaves(value, jsonPath) : [String(value)],
    );
    return values.some((value) => {
      const tokens = analyze(value, field.tokenizer);
      if (phrase && queryTokens.length > 1) return containsSequence(tokens, queryTokens);
      return queryTokens.every((token) => tokens.includes(token));
    });
  };
}

function jsonLeaves(value: unknown, path: string[]): string[] {
  let current: unknown = value;
  for (const key of path) {
    if (!isObject(current)) return [];
    current = current[key];
  }
  const leaves = Array.isArray(current) ? current : [current];
  return leaves.filter((leaf) => leaf !== null && leaf !== undefined && typeof leaf !== "object").map(String);
}

function containsSequence(tokens: string[], sequence: string[]): boolean {
  for (let start = 0; start + sequence.length <= tokens.length; start++) {
    if (sequence.every((token, offset) => tokens[start + offset] === token)) return true;
  }
  return false;
}

/** Quickwit's built-in tokenizers, closely enough for matching: tokens over 255 bytes are dropped. */
function analyze(text: string, tokenizer: string): string[] {
  const keep = (token: string): boolean => token.length > 0 && Buffer.byteLength(token) <= 255;
  switch (tokenizer) {
    case "raw":
      return [text].filter(keep);
    case "raw_lowercase":
    case "lowercase":
      return [text.toLowerCase()].filter(keep);
    case "whitespace":
      return text.split(/\s+/).filter(keep);
    default:
      return text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(keep);
  }
}
