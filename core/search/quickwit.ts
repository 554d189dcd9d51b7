import {
  createQuickwitIndex,
  getQuickwitIndex,
  type QuickwitIndexConfig,
  type QuickwitIndexMetadata,
} from "./quickwit-indexes.ts";
import { ingestQuickwit, type QuickwitIngestOptions, type QuickwitIngestResponse } from "./quickwit-ingest.ts";
import { quickwitSearcher, type QuickwitSearcher } from "./quickwit-search.ts";
import { createQuickwitTransport, type QuickwitClientOptions } from "./quickwit-transport.ts";

/*
 * A small client for Quickwit's REST API (https://quickwit.io/docs/reference/rest-api):
 * `POST api/v1/indexes`, `GET api/v1/indexes/<index id>`, `POST api/v1/<index id>/ingest` and
 * `GET api/v1/<index id>/search`. Field and parameter names are Quickwit's own (snake_case) so a
 * reader can hold each operation's file against the documentation line by line. This client is
 * every operation over one transport, for setup scripts and tests; a function calls the operations
 * it needs on a transport of its own (core/audit/search.ts), and bundles no other.
 */

export * from "./quickwit-transport.ts";
export * from "./quickwit-search.ts";
export * from "./quickwit-indexes.ts";
export * from "./quickwit-ingest.ts";

export interface QuickwitClient extends QuickwitSearcher {
  /** Creates the index unless it exists already (the existing config is left untouched). */
  createIndex(config: QuickwitIndexConfig): Promise<{ created: boolean }>;
  /** The index metadata, or null when Quickwit answers 404. */
  getIndex(indexId: string): Promise<QuickwitIndexMetadata | null>;
  ingest(indexId: string, docs: readonly object[], options?: QuickwitIngestOptions): Promise<QuickwitIngestResponse>;
}

export function createQuickwitClient(options: QuickwitClientOptions): QuickwitClient {
  const transport = createQuickwitTransport(options);
  return {
    createIndex: (config) => createQuickwitIndex(transport, config),
    getIndex: (indexId) => getQuickwitIndex(transport, indexId),
    ingest: (indexId, docs, ingestOptions) => ingestQuickwit(transport, indexId, docs, ingestOptions),
    ...quickwitSearcher(transport),
  };
}
