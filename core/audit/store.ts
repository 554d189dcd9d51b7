import { sql } from "kysely";
import { db, retrying } from "../db/index.ts";
import type { AuditEvent } from "./event.ts";

/** Writes events to audit_log in one statement; a repeated id is ignored, so delivery may repeat. */
export async function store(events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  // One array parameter per column, nine in all: a VALUES list binds nine a row (900 for a batch of
  // 100), and building, sending and planning that many kept the consumer well below a plain INSERT.
  // Idempotent, so a statement that failed retryably (a leader move on YugabyteDB) simply runs again.
  // Each newly stored event is listed for the sealer in the same statement (a repeated id stores
  // nothing and lists nothing), so no event is stored without being sealed later.
  await retrying(() =>
    sql`
    WITH stored AS (
    INSERT INTO audit_log (id, org_id, user_id, action, resource_type, resource_id, details, ip_address, created_at)
    SELECT * FROM unnest(
      ${events.map((e) => e.id)}::uuid[],
      ${events.map((e) => e.orgId)}::uuid[],
      ${events.map((e) => e.userId)}::uuid[],
      ${events.map((e) => e.action)}::varchar[],
      ${events.map((e) => e.resourceType)}::varchar[],
      ${events.map((e) => e.resourceId)}::uuid[],
      ${events.map((e) => JSON.stringify(e.details))}::jsonb[],
      ${events.map((e) => e.ipAddress)}::inet[],
      ${events.map((e) => e.createdAt)}::timestamptz[]
    )
    ON CONFLICT (id) DO NOTHING
    RETURNING id, org_id, created_at
    )
    INSERT INTO audit_unsealed (event_id, org_id, created_at) SELECT id, org_id, created_at FROM stored
  `.execute(db()),
  );
}
