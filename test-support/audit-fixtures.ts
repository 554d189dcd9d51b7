import { randomUUID } from "node:crypto";
import type { UserActor } from "@voxguard/core/actor";
import { toEvent, type AuditEvent, type AuditInput } from "@voxguard/core/audit";
import { db } from "@voxguard/core/db";

type OrgRole = "owner" | "admin" | "member" | "viewer";

/** A user row written directly (no password): audit tests need ids the foreign key accepts. */
export async function createUser(options: { platformAdmin?: boolean } = {}): Promise<UserActor> {
  const id = randomUUID();
  await db()
    .insertInto("users")
    .values({ id, email: `audit-${id}@example.test`, display_name: "Audit Test", password_hash: null, role: options.platformAdmin ? "admin" : "user" })
    .execute();
  return { type: "user", userId: id, sessionId: randomUUID(), role: options.platformAdmin ? "admin" : "user", ip: "203.0.113.7" };
}

export async function createOrg(members: [UserActor, OrgRole][] = []): Promise<string> {
  const id = randomUUID();
  await db().insertInto("organizations").values({ id, name: `Org ${id}`, slug: `org-${id}` }).execute();
  for (const [actor, role] of members) {
    await db().insertInto("organization_members").values({ org_id: id, user_id: actor.userId, role }).execute();
  }
  return id;
}

/** An event `secondsAgo` in the past, so a test controls the order of what it stores. */
export function eventAt(secondsAgo: number, input: AuditInput): AuditEvent {
  return { ...toEvent(input), createdAt: new Date(Date.now() - secondsAgo * 1000).toISOString() };
}

export async function rowsOf(ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db().selectFrom("audit_log").selectAll().where("id", "in", ids).execute();
}
