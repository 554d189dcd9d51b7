import { sql } from "kysely";
import { db, retrying } from "../db/index.ts";
import type { AuditRow } from "../db/schema.ts";
import { log } from "../log/index.ts";
import { toInfo } from "./info.ts";
import { indexEvents } from "./index-events.ts";
import { quickwit } from "./search.ts";

/*
 * Events in audit_log that Quickwit has not accepted yet. The database is the trail; the index is
 * derived from it, so an event that could not be indexed is listed here and indexed later from its
 * row, instead of keeping its queue message (which would expire, or strand in the dead-letter
 * queue, while Quickwit is down).
 */

/** Lists stored events for a later indexing run. Idempotent: listing an event twice is one entry. */
export async function deferIndexing(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    INSERT INTO audit_index_backlog (event_id)
    SELECT * FROM unnest(${[...ids]}::uuid[])
    ON CONFLICT (event_id) DO NOTHING
  `.execute(db());
}

export interface ReindexOptions {
  /** Events read and ingested at a time. */
  batchSize?: number;
  /** Stop starting batches after this instant (ms since the epoch): a Lambda's remaining time. */
  deadline?: number;
}

export interface ReindexResult {
  /** Indexed and removed from the backlog. */
  indexed: number;
  /** Quickwit refused the document: kept in the backlog (a fixed mapping takes them on a later run). */
  rejected: number;
  /** Listed but gone from audit_log: nothing to index, removed. */
  missing: number;
  /** Whether entries remain after this run (more than it had time for, or rejected ones). */
  remaining: number;
}

const DEFAULT_BATCH = 500;

/**
 * One pass over the backlog, oldest first: loads each batch's rows from audit_log, ingests them,
 * and removes what Quickwit accepted. Throws (leaving the backlog as it was for the batch in hand)
 * when Quickwit can't be reached: the next scheduled run starts again from the oldest entry.
 * Runs may overlap: two runs may index the same event twice, which search collapses on event id.
 * Undefined when no Quickwit is configured (nothing is ever deferred then).
 */
export async function reindexBacklog(options: ReindexOptions = {}): Promise<ReindexResult | undefined> {
  const search = quickwit();
  if (!search) return undefined;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const result: ReindexResult = { indexed: 0, rejected: 0, missing: 0, remaining: 0 };
  let after: string | null = null;
  for (;;) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) break;
    const batch = await nextBatch(after, batchSize);
    if (batch.length === 0) break;
    after = batch.at(-1)!.event_id;

    const rows = batch.flatMap((entry) => (entry.row ? [entry.row] : []));
    const rejected = rows.length > 0 ? await indexEvents(search, rows.map(toInfo)) : new Set<string>();
    const done = batch.map((entry) => entry.event_id).filter((id) => !rejected.has(id));
    await remove(done);

    result.missing += batch.length - rows.length;
    result.indexed += rows.length - rejected.size;
    result.rejected += rejected.size;
    if (rejected.size > 0)
      log.error("Quickwit rejected audit events; they stay in the index backlog", { ids: [...rejected] });
    if (batch.length < batchSize) break;
  }
  result.remaining = await backlogSize();
  return result;
}

/** Entries in the backlog, counted up to a cap: a metric and an alarm need "how bad", not an exact figure. */
export async function backlogSize(cap = 100_000): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (SELECT 1 FROM audit_index_backlog LIMIT ${cap}) AS capped
  `.execute(db());
  return rows[0]?.n ?? 0;
}

interface BacklogEntry {
  event_id: string;
  row: AuditRow | null;
}

async function nextBatch(after: string | null, limit: number): Promise<BacklogEntry[]> {
  const { rows } = await sql<{ event_id: string; id: string | null } & Omit<AuditRow, "id">>`
    SELECT b.event_id, a.id, a.org_id, a.user_id, a.action, a.resource_type, a.resource_id, a.details, a.ip_address, a.created_at
    FROM (
      SELECT event_id FROM audit_index_backlog
      WHERE ${after === null ? sql`true` : sql`event_id > ${after}::uuid`}
      ORDER BY event_id
      LIMIT ${limit}
    ) AS b
    LEFT JOIN audit_log AS a ON a.id = b.event_id
    ORDER BY b.event_id
  `.execute(db());
  return rows.map(({ event_id, ...row }) => ({ event_id, row: row.id === null ? null : (row as AuditRow) }));
}

async function remove(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // Overlapping runs delete the same entries; on a snapshot (YSQL's default) the loser gets 40001,
  // and a retry on a fresh snapshot finds them gone.
  await retrying(() => sql`DELETE FROM audit_index_backlog WHERE event_id = ANY(${[...ids]}::uuid[])`.execute(db()));
}
