import { sql, type SelectQueryBuilder } from "kysely";
import * as z from "../zod/index.ts";
import { VisibleError } from "../error/index.ts";
import type { PageQuery } from "./schema.ts";

export { PageQuery, Page } from "./schema.ts";

export interface PageResult<T> {
  items: T[];
  nextCursor: string | null;
}

/** The id half of a position; the time half is checked against PG_TIMESTAMP below. */
const PositionId = z.uuid();

/** timestamptz::text as PostgreSQL writes it (DateStyle ISO): "2024-05-01 10:00:00.123456+00". */
const PG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-](\d{2})(:[0-5]\d){0,2}$/;

/**
 * Only a real timestamp in the form this helper issues: Date.parse accepts "1" or "2024-02-30",
 * which PostgreSQL then refuses with an error that would surface as a 500.
 */
function isPgTimestamp(text: string): boolean {
  const match = PG_TIMESTAMP.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offset] = [1, 2, 3, 4, 5, 6, 8].map((index) => Number(match[index]));
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offset! <= 15
  );
}

/** A cursor that doesn't decode: altered, truncated, or another listing's. */
export function invalidCursor(): VisibleError {
  return new VisibleError("validation_failed", "The cursor is not one this API issued", {
    errors: [{ path: "query.cursor", message: "Invalid cursor" }],
  });
}

/**
 * A position in a list ordered by (created_at DESC, id DESC), the last row of the previous page:
 * `[created_at as PostgreSQL prints it, id]`. The pair is checked by hand: z.tuple would bring zod's
 * tuple type into every list route for this one use.
 */
function decode(cursor: string): [string, string] {
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(position) || position.length !== 2) throw new Error("not a pair");
    const [at, id] = position as unknown[];
    if (typeof at !== "string" || !isPgTimestamp(at)) throw new Error("bad timestamp");
    return [at, PositionId.parse(id)];
  } catch {
    throw invalidCursor();
  }
}

function encode(position: [string, string]): string {
  return Buffer.from(JSON.stringify(position)).toString("base64url");
}

/**
 * Keyset pagination, newest first. The position keeps the timestamp's full microsecond text, so a
 * page boundary never repeats or skips rows that a millisecond Date would have merged, and a page
 * deep in the list costs what the first one does (an index on the table's scope, created_at, id).
 */
export async function paginate<DB, TB extends keyof DB, O extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: { createdAt: string; id: string },
  page: PageQuery,
): Promise<PageResult<O>> {
  const createdAt = sql.ref(columns.createdAt);
  const id = sql.ref(columns.id);
  let q = query.select(sql<string>`${createdAt}::text`.as("page_position"));
  if (page.cursor) {
    const [at, lastId] = decode(page.cursor);
    q = q.where(sql<boolean>`(${createdAt}, ${id}) < (${at}::timestamptz, ${lastId}::uuid)`);
  }
  const rows = (await q
    .orderBy(sql`${createdAt} desc`)
    .orderBy(sql`${id} desc`)
    .limit(page.limit + 1)
    .execute()) as (O & { page_position: string })[];
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items: items.map(({ page_position: _, ...row }) => row as unknown as O),
    nextCursor: more && last ? encode([last.page_position, last.id]) : null,
  };
}
