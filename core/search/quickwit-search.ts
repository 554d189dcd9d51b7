import * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";
import type { QuickwitTransport } from "./quickwit-transport.ts";

/* `GET api/v1/<index id>/search`, Quickwit's names (snake_case) as its documentation spells them. */

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

/** What a search needs of a client: a read route carries this and not the rest. */
export interface QuickwitSearcher {
  search<Hit = Record<string, unknown>>(
    indexId: string,
    request: QuickwitSearchRequest,
  ): Promise<QuickwitSearchResponse<Hit>>;
}

const SearchBody = onFirstUse(() =>
  z.object({
    num_hits: z.number(),
    hits: z.array(z.record(z.string(), z.unknown())),
    elapsed_time_micros: z.number(),
    errors: z._default(z.array(z.string()), []),
  }),
);

export async function searchQuickwit<Hit = Record<string, unknown>>(
  transport: QuickwitTransport,
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
  const reply = await transport.request({
    operation,
    method: "GET",
    path: `${encodeURIComponent(indexId)}/search`,
    query,
    timeoutMs: params.timeoutMs ?? transport.timeoutMs,
  });
  if (reply.status !== 200) transport.fail(operation, reply);
  return transport.parse(operation, reply, SearchBody()) as QuickwitSearchResponse<Hit>;
}

/** A searcher over `transport`, for code that takes a client (searchAudit). */
export function quickwitSearcher(transport: QuickwitTransport): QuickwitSearcher {
  return { search: (indexId, request) => searchQuickwit(transport, indexId, request) };
}
