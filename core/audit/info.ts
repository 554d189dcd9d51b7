import type { AuditRow } from "../db/schema.ts";
import type { Info } from "./schema.ts";

/**
 * An audit row as the API shows it. Not in ./list.ts: the export, the reindexing and the seals use
 * it too, and importing it from there built the list's search cursor schema in their functions.
 */
export function toInfo(row: AuditRow): Info {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    details: row.details,
    ipAddress: row.ip_address,
    createdAt: row.created_at.toISOString(),
  };
}
