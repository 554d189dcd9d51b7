import * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { messageOf, QuickwitError, type QuickwitTransport } from "./quickwit-transport.ts";

/* `POST api/v1/<index id>/ingest`, in Quickwit's own (snake_case) names. */

export type CommitMode = "auto" | "wait_for" | "force";

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

/** Quickwit's default `content_length_limit` for ingest is 10 MiB; stay clear of it. */
const MAX_INGEST_BYTES = 9 * 1024 * 1024;

// Every writing route carries the ingest, yet ingests only the audit events it writes through when
// the queue refuses them: the answer's shape is built on the first ingest, not at every start.
const IngestBody = onFirstUse(() =>
  z.object({
    num_docs_for_processing: z.number(),
    num_ingested_docs: z.optional(z.number()),
    num_rejected_docs: z.optional(z.number()),
    parse_failures: z.optional(z.array(z.object({ message: z.string(), reason: z.string(), document: z.string() }))),
  }),
);

// Learned from a transport's first answer: Quickwit 0.9's legacy ingest (v1: ingest v2 off, or
// use_legacy_ingest) refuses `detailed_response=true` with a 400, 0.8 ignores it.
const detailedRefused = new WeakSet<QuickwitTransport>();

async function ingestChunk(
  transport: QuickwitTransport,
  indexId: string,
  body: string,
  options: QuickwitIngestOptions,
): Promise<QuickwitIngestResponse> {
  const commit = options.commit ?? "auto";
  const query = new URLSearchParams({ commit });
  const detailed = options.detailedResponse === true && !detailedRefused.has(transport);
  if (detailed) query.set("detailed_response", "true");
  const operation = `ingest into ${indexId}`;
  const reply = await transport.request({
    operation,
    method: "POST",
    path: `${encodeURIComponent(indexId)}/ingest`,
    query,
    body,
    contentType: "application/x-ndjson",
    timeoutMs: options.timeoutMs ?? (commit === "auto" ? transport.timeoutMs : transport.commitTimeoutMs),
  });
  if (detailed && reply.status === 400 && /detailed_response is not supported/i.test(messageOf(reply.json))) {
    // Nothing was ingested: the check comes before the documents are read. Same batch, without.
    detailedRefused.add(transport);
    return ingestChunk(transport, indexId, body, options);
  }
  if (reply.status !== 200) transport.fail(operation, reply);
  return transport.parse(operation, reply, IngestBody());
}

export async function ingestQuickwit(
  transport: QuickwitTransport,
  indexId: string,
  docs: readonly object[],
  options: QuickwitIngestOptions = {},
): Promise<QuickwitIngestResponse> {
  const total: QuickwitIngestResponse = { num_docs_for_processing: 0 };
  for (const body of ndjsonChunks(docs)) {
    const part = await ingestChunk(transport, indexId, body, options);
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
