import { sql } from "kysely";
import type { Actor } from "../actor/index.ts";
import { toInfo } from "../audit/info.ts";
import { db } from "../db/index.ts";
import type { AuditRow } from "../db/schema.ts";
import { VisibleError } from "../error/index.ts";
import { requireRole } from "../access/index.ts";
import { timeRange } from "../validation/index.ts";
import { loadSeals, sealSpan, type DateRange } from "./evidence.ts";
import { verificationKeys } from "./keys.ts";
import { chainOf } from "./record.ts";
import type { VerifyQuery } from "./input.ts";
import type { VerifyResult } from "./schema.ts";
import { verifyChain } from "./verify-chain.ts";

/** Events one verification reads at most: beyond that, a narrower range (an export verifies offline). */
export const VERIFY_MAX_EVENTS = 200_000;

/** GET /orgs/{orgId}/audit/verify: an organization's chain recomputed over a time range (admin+). */
export async function verifyTrail(caller: Actor, orgId: string, query: VerifyQuery): Promise<VerifyResult> {
  await requireRole(caller, orgId, "admin");
  return verifyStored(orgId, timeRange(query.from, query.to, "query"));
}

/** One chain (an organization's, or the platform's with null) as the database holds it now. */
export async function verifyStored(orgId: string | null, range: DateRange = {}): Promise<VerifyResult> {
  const from = range.from ?? null;
  const to = range.to ?? null;
  const inRange = sql<boolean>`org_id IS NOT DISTINCT FROM ${orgId}::uuid
    AND (${from}::timestamptz IS NULL OR created_at >= ${from}::timestamptz)
    AND (${to}::timestamptz IS NULL OR created_at < ${to}::timestamptz)`;
  const { rows: counted } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE ${inRange}`.execute(
    db(),
  );
  if ((counted[0]?.n ?? 0) > VERIFY_MAX_EVENTS) {
    throw new VisibleError(
      "validation_failed",
      `The range holds more than ${VERIFY_MAX_EVENTS} events: narrow it, or verify an export offline`,
      {
        errors: [{ path: "query.from", message: "Range too large" }],
      },
    );
  }

  const span = await sealSpan(orgId, range);
  const loaded = span ? await loadSeals(orgId, Math.max(1, span.first - 1), span.last) : [];
  const predecessor = span ? loaded.find((seal) => seal.seq === span.first - 1) : undefined;
  const seals = loaded.filter((seal) => seal !== predecessor);
  const { rows } = await sql<AuditRow & { seal_seq: number | null }>`
    SELECT id, org_id, user_id, action, resource_type, resource_id, details, ip_address, created_at, covered.seq AS seal_seq
    FROM audit_log LEFT JOIN audit_seal_events covered ON covered.event_id = audit_log.id
    WHERE ${inRange}
  `.execute(db());

  const result = verifyChain({
    chain: chainOf(orgId),
    seals,
    predecessor: predecessor ?? null,
    events: rows.map((row) => ({ event: toInfo(row), sealSeq: row.seal_seq })),
    keys: verificationKeys(),
    range: { from: range.from?.toISOString(), to: range.to?.toISOString() },
  });
  // The seal before the range was deleted: its successor's link can't be checked, which is a break.
  if (
    span &&
    span.first > 1 &&
    !predecessor &&
    (result.firstBreak === null || result.firstBreak.seq >= span.first - 1)
  ) {
    return {
      ...result,
      holds: false,
      firstBreak: { kind: "seal_missing", seq: span.first - 1, detail: `seal ${span.first - 1} is missing` },
    };
  }
  return result;
}
