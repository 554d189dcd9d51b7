import { toEvent, type AuditEvent, type AuditInput } from "@voxguard/core/audit";
import { db } from "@voxguard/core/db";

/** An event `secondsAgo` in the past, so a test controls the order of what it stores. */
export function eventAt(secondsAgo: number, input: AuditInput): AuditEvent {
  return { ...toEvent(input), createdAt: new Date(Date.now() - secondsAgo * 1000).toISOString() };
}

export async function rowsOf(ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db().selectFrom("audit_log").selectAll().where("id", "in", ids).execute();
}
