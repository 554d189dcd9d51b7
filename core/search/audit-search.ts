import * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { VisibleError } from "../error/index.ts";
import type { AuditIndexEvent } from "./audit-index.ts";
import type { QuickwitSearcher } from "./quickwit-search.ts";
import { QuickwitError } from "./quickwit-transport.ts";
import { unicodePattern } from "../validation/unicode-pattern.ts";

export interface AuditSearchFilters {
  /** When set, only this org's events can match, whatever `q` holds. */
  orgId?: string;
  userId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  /** Free text, matched word by word (all words) against the action and the details. */
  q: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  limit: number;
  /** Position in Quickwit's hit stream; pass back the previous page's `nextOffset`. */
  offset?: number;
}

/** An indexed event as a search returns it: details always an object, the time parsed. */
export interface AuditSearchEvent extends Omit<AuditIndexEvent, "details" | "createdAt"> {
  details: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditSearchResult {
  /** Newest first, one entry an event id. */
  events: AuditSearchEvent[];
  /** Offset of the next page, null when Quickwit has no further hits. */
  nextOffset: number | null;
  /** Quickwit's `num_hits`: counts redelivered duplicates too, so an upper bound. */
  totalHits: number;
}

/** Enough for any real search box; bounds the boolean query Quickwit has to build. */
export const MAX_SEARCH_WORDS = 32;
/** Extra hits per page so that a few collapsed duplicates rarely cost a second request. */
const OVERFETCH = 10;
const MAX_ROUNDS = 5;
/**
 * Quickwit's root search refuses `start_offset` (and `max_hits`) over 10,000 with a 400, and its
 * REST search has no `search_after`: a text search pages through its first 10,000 hits, and past
 * them the caller is asked to narrow the query.
 */
export const MAX_SEARCH_OFFSET = 10_000;

function tooDeep(): VisibleError {
  return new VisibleError(
    "validation_failed",
    `A text search pages through its first ${MAX_SEARCH_OFFSET.toLocaleString("en")} hits: narrow it with more words, from/to or a filter`,
    { errors: [{ path: "query.cursor", message: `Past the first ${MAX_SEARCH_OFFSET} hits of a text search` }] },
  );
}

const Hit = onFirstUse(() =>
  z.object({
    id: z.string(),
    org_id: z.nullish(z.string()),
    user_id: z.nullish(z.string()),
    action: z.string(),
    resource_type: z.nullish(z.string()),
    resource_id: z.nullish(z.string()),
    details: z.nullish(z.record(z.string(), z.unknown())),
    ip_address: z.nullish(z.string()),
    // A string or a number (timeOf below), checked by hand: z.union would bring zod's union type
    // into the audit list routes for this one field.
    created_at: z.unknown(),
  }),
);

/**
 * A value inside quotes. In Quickwit's grammar (tantivy's query parser) a backslash inside a quoted
 * string takes the next character literally, so escaping the backslash and the quote in use is all
 * it takes for nothing (`)`, `OR`, `:`) to leave the string.
 */
export function quoteQueryValue(value: string, quote: "'" | '"'): string {
  const escaped = value.replace(quote === '"' ? /["\\]/g : /['\\]/g, (char) => `\\${char}`);
  return `${quote}${escaped}${quote}`;
}

/**
 * `field:"value"` on a raw-tokenized field: the whole value is one token, so this is an exact
 * term match.
 */
function exact(field: string, value: string): string {
  if (value.length === 0) throw new RangeError(`audit search: ${field} filter is empty`);
  return `${field}:${quoteQueryValue(value, '"')}`;
}

const letterOrDigit = unicodePattern(String.raw`[\p{L}\p{N}]`);

/**
 * The user's words, each single-quoted. Single quotes make Quickwit tokenize the word with each
 * default field's tokenizer and require every token (no phrase, so no positions are needed):
 * `a@b.com` matches details holding `a`, `b` and `com`. Words without a letter or digit yield no
 * token under the default tokenizer and are left out.
 */
export function textClause(q: string): string | null {
  const words = q
    .split(/\s+/u)
    .filter((word) => letterOrDigit().test(word))
    .slice(0, MAX_SEARCH_WORDS);
  if (words.length === 0) return null;
  return `(${words.map((word) => quoteQueryValue(word, "'")).join(" AND ")})`;
}

/** The Quickwit query for the filters, or null when `q` has nothing to search for. */
export function buildAuditQuery(filters: AuditSearchFilters): string | null {
  const text = textClause(filters.q);
  if (text === null) return null;
  const clauses: string[] = [];
  if (filters.orgId !== undefined) clauses.push(exact("org_id", filters.orgId));
  if (filters.userId !== undefined) clauses.push(exact("user_id", filters.userId));
  if (filters.action !== undefined) clauses.push(exact("action", filters.action));
  if (filters.resourceType !== undefined) clauses.push(exact("resource_type", filters.resourceType));
  if (filters.resourceId !== undefined) clauses.push(exact("resource_id", filters.resourceId));
  // The structured filters are ANDed with the whole parenthesised text clause, so no word of `q`
  // can widen what they allow.
  clauses.push(text);
  return clauses.join(" AND ");
}

/**
 * Free-text audit search. Quickwit does not deduplicate and the pipeline may ingest an event twice
 * (SQS redelivery, a retried ingest), so hits are collapsed on event id here. Copies carry the same
 * time and so sit next to each other in the newest-first stream; the offset handed back skips the
 * copies trailing a page. Only copies split by the end of a fetched batch can reach the next page.
 */
export async function searchAudit(
  client: QuickwitSearcher,
  indexId: string,
  filters: AuditSearchFilters,
): Promise<AuditSearchResult> {
  if (!Number.isInteger(filters.limit) || filters.limit < 1)
    throw new RangeError("audit search: limit must be a positive integer");
  const offset = filters.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new RangeError("audit search: offset must be a non-negative integer");
  if (offset > MAX_SEARCH_OFFSET) throw tooDeep();
  const query = buildAuditQuery(filters);
  if (query === null) return { events: [], nextOffset: null, totalHits: 0 };

  const from = filters.from?.getTime();
  const to = filters.to?.getTime();
  const seen = new Set<string>();
  const events: AuditSearchEvent[] = [];
  let position = offset;
  let totalHits = 0;
  let exhausted = false;

  // A round that would start past the limit is left to the next page, which answers tooDeep().
  for (
    let round = 0;
    round < MAX_ROUNDS && events.length < filters.limit && !exhausted && position <= MAX_SEARCH_OFFSET;
    round++
  ) {
    const maxHits = filters.limit - events.length + OVERFETCH;
    const response = await client
      .search(indexId, {
        query,
        // Whole seconds only: they let Quickwit prune splits; the exact bounds are applied below.
        startTimestamp: from === undefined ? undefined : Math.floor(from / 1000),
        endTimestamp: to === undefined ? undefined : Math.floor(to / 1000) + 1,
        maxHits,
        startOffset: position,
        // Quickwit sorts descending unless the field is prefixed with `-`: newest first.
        sortBy: "created_at",
      })
      .catch((error: unknown) => {
        // A Quickwit whose ceiling is lower than ours says so with a 400 naming start_offset.
        if (error instanceof QuickwitError && error.status === 400 && /start_offset|max_hits/.test(error.message))
          throw tooDeep();
        throw error;
      });
    // Quickwit fails the whole request unless partial results are asked for; should one slip
    // through anyway, an audit answer with silent holes is worse than an error.
    if (response.errors.length > 0) {
      throw new QuickwitError(`search ${indexId}`, 200, `Quickwit search ${indexId} returned partial results`);
    }
    totalHits = response.num_hits;
    exhausted = response.hits.length < maxHits;
    for (const raw of response.hits) {
      const event = toEvent(raw);
      // Past a full page, still step over copies of events already on it: copies share a time, so
      // they follow each other, and the next page would otherwise open with one.
      if (events.length === filters.limit && !seen.has(event.id)) break;
      position++;
      const time = event.createdAt.getTime();
      if (from !== undefined && time < from) continue;
      if (to !== undefined && time >= to) continue;
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      events.push(event);
    }
  }

  return { events, nextOffset: position < totalHits ? position : null, totalHits };
}

function toEvent(raw: Record<string, unknown>): AuditSearchEvent {
  const parsed = Hit().safeParse(raw);
  const createdAt = parsed.success ? timeOf(parsed.data.created_at) : undefined;
  if (!parsed.success || !createdAt)
    throw new QuickwitError("search", 200, "Quickwit returned an audit hit of an unexpected shape");
  const hit = parsed.data;
  return {
    id: hit.id,
    orgId: hit.org_id ?? null,
    userId: hit.user_id ?? null,
    action: hit.action,
    resourceType: hit.resource_type ?? null,
    resourceId: hit.resource_id ?? null,
    details: hit.details ?? {},
    ipAddress: hit.ip_address ?? null,
    createdAt,
  };
}

/** The RFC 3339 text the index asks for, or a (finite) unix timestamp; undefined for anything else. */
function timeOf(value: unknown): Date | undefined {
  const time = typeof value === "string" ? new Date(value) : typeof value === "number" ? fromUnix(value) : undefined;
  // Not a time (junk text, NaN, beyond a Date's range): an Invalid Date would pass the from/to
  // filters above (every comparison with NaN is false) and fail later, turning it into an ISO string.
  return time && Number.isFinite(time.getTime()) ? time : undefined;
}

/** A unix timestamp in whatever unit its digit count suggests, as Quickwit reads them. */
function fromUnix(value: number): Date {
  const abs = Math.abs(value);
  if (abs < 1e11) return new Date(value * 1000);
  if (abs < 1e14) return new Date(value);
  if (abs < 1e17) return new Date(value / 1000);
  return new Date(value / 1e6);
}
