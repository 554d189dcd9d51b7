import { sql, type SelectQueryBuilder } from "kysely";
import * as z from "../zod/index.ts";
import { VisibleError } from "../error/index.ts";
import type { PageQuery } from "./schema.ts";

export { PageQuery, Page } from "./schema.ts";

export interface PageResult<T> {
  items: T[];
  nextCursor: string | null;
}

/** A position in a list ordered by (created_at DESC, id DESC): the last row of the previous page. */
const Position = z.tuple([z.string().check(z.maxLength(64)), z.uuid()]);

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

function decode(cursor: string): [string, string] {
  try {
    const position = Position.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (!isPgTimestamp(position[0])) throw new Error("bad timestamp");
    return position;
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
