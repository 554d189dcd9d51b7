import { sql, type SelectQueryBuilder } from "kysely";
import * as z from "../zod/index.ts";
import { isPlatformAdmin, type Actor, type UserActor } from "../actor/index.ts";
import { config } from "../config/index.ts";
import { db, type Database } from "../db/index.ts";
import type { AuditRow } from "../db/schema.ts";
import { VisibleError } from "../error/index.ts";
import { requireRole } from "../access/index.ts";
import { invalidCursor, paginate, type PageResult } from "../pagination/index.ts";
// Not the search barrel: that would bring the Quickwit client's ingest path into a read route.
import { MAX_SEARCH_WORDS, searchAudit } from "../search/audit-search.ts";
import { quickwitSearcher } from "../search/quickwit-search.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { timeRange } from "../validation/index.ts";
import { AUDIT_COLUMNS } from "./columns.ts";
import { toInfo } from "./info.ts";
import type { AuditQuery } from "./query.ts";
import type { Info } from "./schema.ts";
import { quickwit } from "./search.ts";

/** Whose trail: one organization's, the caller's own, or everything (platform administrators). */
export type AuditScope = { type: "org"; orgId: string } | { type: "me" } | { type: "all" };

type AuditSelect = SelectQueryBuilder<Database, "audit_log", AuditRow>;

/**
 * The audit trail in `scope`, newest first. Structured filters read the database with keyset
 * pages; a text query `q` goes to Quickwit when one is configured, else to the database.
 */
export async function list(caller: Actor, scope: AuditScope, query: AuditQuery): Promise<PageResult<Info>> {
  const actor = await authorize(caller, scope);
  const { from, to } = timeRange(query.from, query.to, "query");
  const search = query.q ? quickwit() : undefined;
  if (query.q && search) return searchPage(actor, scope, query, query.q, from, to);

  let select = filtered(db().selectFrom("audit_log").select(AUDIT_COLUMNS), actor, scope, query);
  if (query.q) select = select.where((eb) => eb.and(words(query.q!).map((word) => textMatches(word))));
  const page = await paginate(select, { createdAt: "audit_log.created_at", id: "audit_log.id" }, query);
  return { items: page.items.map(toInfo), nextCursor: page.nextCursor };
}

async function authorize(actor: Actor, scope: AuditScope): Promise<UserActor> {
  if (actor.type !== "user") throw new VisibleError("unauthorized", "Log in to read the audit trail");
  if (scope.type === "org") await requireRole(actor, scope.orgId, "admin");
  if (scope.type === "all" && !isPlatformAdmin(actor))
    throw new VisibleError("forbidden", "Only platform administrators may do this");
  return actor;
}

/** The scope and the structured filters: applied to every read, the rows loaded after a search too. */
function filtered(select: AuditSelect, actor: UserActor, scope: AuditScope, query: AuditQuery): AuditSelect {
  if (scope.type === "org") select = select.where("org_id", "=", scope.orgId);
  if (scope.type === "me") select = select.where("user_id", "=", actor.userId);
  if (query.action) select = select.where("action", "=", query.action);
  if (query.userId) select = select.where("user_id", "=", query.userId);
  if (query.resourceType) select = select.where("resource_type", "=", query.resourceType);
  if (query.resourceId) select = select.where("resource_id", "=", query.resourceId);
  if (query.from) select = select.where("created_at", ">=", new Date(query.from));
  if (query.to) select = select.where("created_at", "<", new Date(query.to));
  return select;
}

/** Quickwit's reading of `q` too: every word must appear, in the action or in the details. */
function words(q: string): string[] {
  return q.split(/\s+/u).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
}

function textMatches(word: string) {
  const pattern = `%${word.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  return sql<boolean>`(audit_log.action ilike ${pattern} or audit_log.details::text ilike ${pattern})`;
}

/** Search results page by Quickwit offset; the cursor says so, so a keyset cursor can't be mixed in. */
const SearchCursor = onFirstUse(() =>
  z.object({ o: z.number().check(z.int(), z.nonnegative(), z.maximum(1_000_000)) }),
);

function decodeOffset(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    return SearchCursor().parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))).o;
  } catch {
    throw invalidCursor();
  }
}

async function searchPage(
  actor: UserActor,
  scope: AuditScope,
  query: AuditQuery,
  q: string,
  from: Date | undefined,
  to: Date | undefined,
): Promise<PageResult<Info>> {
  const result = await searchAudit(quickwitSearcher(quickwit()!), config().quickwitAuditIndex, {
    q,
    orgId: scope.type === "org" ? scope.orgId : undefined,
    // The caller's own trail is the user filter, whatever `userId` the query names.
    userId: scope.type === "me" ? actor.userId : query.userId,
    action: query.action,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    from,
    to,
    limit: query.limit,
    offset: decodeOffset(query.cursor),
  });
  const ids = result.events.map((event) => event.id);
  // The index only picks the ids. What is returned is read from the database under the same scope
  // and filters, so a misbehaving index can't show a row from another organization or user.
  const rows =
    ids.length === 0
      ? []
      : await filtered(db().selectFrom("audit_log").select(AUDIT_COLUMNS), actor, scope, query)
          .where("id", "in", ids)
          .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const items = ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [toInfo(row)] : [];
  });
  const nextCursor =
    result.nextOffset === null ? null : Buffer.from(JSON.stringify({ o: result.nextOffset })).toString("base64url");
  return { items, nextCursor };
}
