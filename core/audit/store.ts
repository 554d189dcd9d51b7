import { db } from "../db/index.ts";
import type { AuditEvent } from "./schema.ts";

/** Writes events to audit_log in one statement; a repeated id is ignored, so delivery may repeat. */
export async function store(events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db()
    .insertInto("audit_log")
    .values(
      events.map((e) => ({
        id: e.id,
        org_id: e.orgId,
        user_id: e.userId,
        action: e.action,
        resource_type: e.resourceType,
        resource_id: e.resourceId,
        details: JSON.stringify(e.details),
        ip_address: e.ipAddress,
        created_at: e.createdAt,
      })),
    )
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}
