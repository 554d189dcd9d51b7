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
import { setTimeout as sleep } from "node:timers/promises";
import { parseDoc, sortDocs } from "./documents.ts";
import { INDEX_ID, validateIndexConfig } from "./index-config.ts";
import { HttpError, type IndexState, type Json } from "./model.ts";
import { compile, QueryParser, type QueryNode } from "./query.ts";

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
      const message =
        failure.status === 429
          ? "too many requests"
          : failure.status === 503
            ? "service unavailable: stand-in failure"
            : "stand-in failure";
      const headers: Record<string, string> =
        failure.retryAfterSeconds === undefined ? {} : { "retry-after": String(failure.retryAfterSeconds) };
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

  function route(
    method: string,
    url: { pathname: string; searchParams: URLSearchParams },
    body: string,
    contentType: string | undefined,
  ): unknown {
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
      if (subtype !== "json" && subtype !== "yaml" && subtype !== "toml")
        throw new HttpError(415, "unsupported media type");
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
        parseFailures.push({
          message: `failed to parse JSON document: ${(error as Error).message}`,
          reason: "invalid_json",
          document: line,
        });
        continue;
      }
      if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        parseFailures.push({
          message: "the provided string is not a syntactically valid JSON object",
          reason: "invalid_json",
          document: line,
        });
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
    if (maxHits > QUICKWIT_MAX_OFFSET)
      throw new HttpError(400, `Invalid argument: max value for max_hits is 10_000, but got ${maxHits}`);
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
  if (name !== "start_timestamp" && name !== "end_timestamp" && value < 0)
    throw new HttpError(400, `invalid digit found in string (\`${name}\`)`);
  return value;
}
