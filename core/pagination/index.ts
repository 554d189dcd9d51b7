import { sql, type SelectQueryBuilder } from "kysely";
import { z } from "zod";
import { VisibleError } from "../error/index.ts";
import type { PageQuery } from "./schema.ts";

export { PageQuery, Page } from "./schema.ts";

export interface PageResult<T> {
  items: T[];
  nextCursor: string | null;
}

/** A position in a list ordered by (created_at DESC, id DESC): the last row of the previous page. */
const Position = z.tuple([z.string().max(64), z.uuid()]);

function decode(cursor: string): [string, string] {
  try {
    const position = Position.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (Number.isNaN(Date.parse(position[0]))) throw new Error("bad timestamp");
    return position;
  } catch {
    throw new VisibleError("validation_failed", "The cursor is not one this API issued", {
      errors: [{ path: "query.cursor", message: "Invalid cursor" }],
    });
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
