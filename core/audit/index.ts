import { uuidv7 } from "uuidv7";
import type { Actor } from "../actor/index.ts";
import { afterCommit, db } from "../db/index.ts";
import type { AuditAction, AuditEvent } from "./schema.ts";

export * from "./schema.ts";

export interface AuditInput {
  action: AuditAction;
  actor: Actor;
  /** Overrides the actor's user (a registration or a failed login has no session yet). */
  userId?: string | null;
  orgId?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  /** Never secrets: no passwords, tokens or token hashes. */
  details?: Record<string, unknown>;
}

export function toEvent(input: AuditInput): AuditEvent {
  return {
    id: uuidv7(),
    orgId: input.orgId ?? null,
    userId: input.userId !== undefined ? input.userId : input.actor.type === "user" ? input.actor.userId : null,
    action: input.action,
    resourceType: input.resourceType ?? null,
    resourceId: input.resourceId ?? null,
    details: input.details ?? {},
    ipAddress: input.actor.ip ?? null,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Reports a change. Inside a transaction the event leaves only after the commit, so a rolled-back
 * change never shows up in the trail.
 */
export async function emit(input: AuditInput): Promise<void> {
  const event = toEvent(input);
  await afterCommit(() => store([event]));
}

/** Writes events to audit_log in one statement; a repeated id is ignored, so delivery may repeat. */
export async function store(events: AuditEvent[]): Promise<void> {
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
