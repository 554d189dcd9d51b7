import { sql } from "kysely";
import { db, type Executor } from "../db/index.ts";
import { chainOf, digestOf } from "./record.ts";
import type { SealDigest } from "./schema.ts";

export interface DateRange {
  from?: Date;
  to?: Date;
}

/**
 * The contiguous seals a time range needs: every seal covering an event created in [from, to) and
 * every seal an event stored in that range names, with all seals between them (so each link can
 * be checked). A chain's first seal is number 1.
 */
export async function sealSpan(
  orgId: string | null,
  range: DateRange,
  executor: Executor = db(),
): Promise<{ first: number; last: number } | undefined> {
  const from = range.from ?? null;
  const to = range.to ?? null;
  const { rows } = await sql<{ first: number | null; last: number | null }>`
    SELECT min(seq)::bigint AS first, max(seq)::bigint AS last FROM (
      SELECT seq FROM audit_seals
      WHERE chain = ${chainOf(orgId)}
        AND (${from}::timestamptz IS NULL OR last_event_at >= ${from}::timestamptz)
        AND (${to}::timestamptz IS NULL OR first_event_at < ${to}::timestamptz)
      UNION ALL
      SELECT covered.seq FROM audit_log JOIN audit_seal_events covered ON covered.event_id = audit_log.id
      WHERE audit_log.org_id IS NOT DISTINCT FROM ${orgId}::uuid
        AND (${from}::timestamptz IS NULL OR audit_log.created_at >= ${from}::timestamptz)
        AND (${to}::timestamptz IS NULL OR audit_log.created_at < ${to}::timestamptz)
    ) covering
  `.execute(executor);
  const row = rows[0];
  return row?.first != null && row.last != null ? { first: row.first, last: row.last } : undefined;
}

/** A chain's seals first..last, as published; missing numbers are simply absent. */
export async function loadSeals(
  orgId: string | null,
  first: number,
  last: number,
  executor: Executor = db(),
): Promise<SealDigest[]> {
  const rows = await executor
    .selectFrom("audit_seals")
    .selectAll()
    .where("chain", "=", chainOf(orgId))
    .where("seq", ">=", first)
    .where("seq", "<=", last)
    .orderBy("seq")
    .execute();
  return rows.map(digestOf);
}
