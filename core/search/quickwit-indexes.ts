import * as z from "../zod/index.ts";
import { messageOf, type QuickwitTransport } from "./quickwit-transport.ts";

/* `POST api/v1/indexes` and `GET api/v1/indexes/<index id>`, in Quickwit's own (snake_case) names. */

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

export interface QuickwitIndexMetadata {
  index_uid?: string;
  index_config: QuickwitIndexConfig;
  [key: string]: unknown;
}

const IndexMetadataBody = z.looseObject({
  index_uid: z.optional(z.string()),
  index_config: z.looseObject({ index_id: z.string() }),
});

/** The index metadata, or null when Quickwit answers 404. */
export async function getQuickwitIndex(
  transport: QuickwitTransport,
  indexId: string,
): Promise<QuickwitIndexMetadata | null> {
  const operation = `get index ${indexId}`;
  const reply = await transport.request({
    operation,
    method: "GET",
    path: `indexes/${encodeURIComponent(indexId)}`,
    timeoutMs: transport.timeoutMs,
  });
  if (reply.status === 404) return null;
  if (reply.status !== 200) transport.fail(operation, reply);
  return transport.parse(operation, reply, IndexMetadataBody) as unknown as QuickwitIndexMetadata;
}

/** Creates the index unless it exists already (the existing config is left untouched). */
export async function createQuickwitIndex(
  transport: QuickwitTransport,
  config: QuickwitIndexConfig,
): Promise<{ created: boolean }> {
  // Looking first keeps the usual case (index already there) free of an error in Quickwit's log.
  if (await getQuickwitIndex(transport, config.index_id)) return { created: false };
  const operation = `create index ${config.index_id}`;
  const reply = await transport.request({
    operation,
    method: "POST",
    path: "indexes",
    body: JSON.stringify(config),
    contentType: "application/json",
    timeoutMs: transport.timeoutMs,
  });
  if (reply.status === 200) return { created: true };
  // A concurrent setup, or a retried POST whose first try went through: Quickwit answers 400
  // "index `x` already exist(s)".
  if (reply.status === 400 && /already exist/i.test(messageOf(reply.json))) return { created: false };
  transport.fail(operation, reply);
}
