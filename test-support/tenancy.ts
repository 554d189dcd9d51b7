import { randomUUID } from "node:crypto";
import type { UserActor } from "@voxguard/core/actor";
import { db } from "@voxguard/core/db";
import * as Org from "@voxguard/core/org";

export type OrgRole = "owner" | "admin" | "member" | "viewer";

export interface TestUser {
  actor: UserActor;
  email: string;
}

/** A user row written directly: core tests need real ids for the foreign keys, not sessions. */
export async function createUser(options: { platformAdmin?: boolean; label?: string } = {}): Promise<TestUser> {
  const id = randomUUID();
  const email = `${options.label ?? "tenant"}-${id}@example.test`;
  const role = options.platformAdmin ? "admin" : "user";
  await db().insertInto("users").values({ id, email, display_name: `User ${id.slice(0, 8)}`, password_hash: null, role }).execute();
  return { actor: { type: "user", userId: id, sessionId: randomUUID(), role, ip: "203.0.113.20" }, email };
}

export function uniqueSlug(label = "org"): string {
  return `${label}-${randomUUID()}`;
}

export interface TestOrg {
  id: string;
  owner: TestUser;
  members: Record<Exclude<OrgRole, "owner">, TestUser>;
}

/** An organization created through core, with one member of every role and an outsider's view in mind. */
export async function createOrgWithRoles(): Promise<TestOrg> {
  const owner = await createUser({ label: "owner" });
  const org = await Org.create(owner.actor, { name: "Test Org", slug: uniqueSlug() });
  const members = {} as TestOrg["members"];
  for (const role of ["admin", "member", "viewer"] as const) {
    const user = await createUser({ label: role });
    await db().insertInto("organization_members").values({ org_id: org.id, user_id: user.actor.userId, role }).execute();
    members[role] = user;
  }
  return { id: org.id, owner, members };
}

/**
 * Makes a user a member behind the API's back: setup for tests about what members do. Joining
 * itself (invitation, mail, accept) is tested in core/invitation and functions/account.
 */
export async function addMember(orgId: string, user: TestUser, role: OrgRole): Promise<void> {
  await db().insertInto("organization_members").values({ org_id: orgId, user_id: user.actor.userId, role }).execute();
}

export async function ownersOf(orgId: string): Promise<string[]> {
  const rows = await db()
    .selectFrom("organization_members")
    .select("user_id")
    .where("org_id", "=", orgId)
    .where("role", "=", "owner")
    .execute();
  return rows.map((row) => row.user_id);
}

export async function auditOf(orgId: string, action: string) {
  return db().selectFrom("audit_log").selectAll().where("org_id", "=", orgId).where("action", "=", action).orderBy("created_at").execute();
}
