import { randomUUID } from "node:crypto";
import type { UserActor } from "@voxguard/core/actor";
import { db } from "@voxguard/core/db";
import * as Org from "@voxguard/core/org";
import { Role, type Role as OrgRole } from "@voxguard/core/org/schema";

export type { OrgRole };

export interface TestUser {
  actor: UserActor;
  email: string;
}

/** A user row written directly (no password): tests need real ids for the foreign keys, not sessions. */
export async function createUser(
  options: { platformAdmin?: boolean; label?: string; ip?: string } = {},
): Promise<TestUser> {
  const id = randomUUID();
  const email = `${options.label ?? "tenant"}-${id}@example.test`;
  const role = options.platformAdmin ? "admin" : "user";
  await db()
    .insertInto("users")
    .values({ id, email, display_name: `User ${id.slice(0, 8)}`, password_hash: null, role })
    .execute();
  return { actor: { type: "user", userId: id, sessionId: randomUUID(), role, ip: options.ip ?? "203.0.113.7" }, email };
}

export function uniqueSlug(label = "org"): string {
  return `${label}-${randomUUID()}`;
}

/** An organization written straight to the database with these members: setup, not the operation under test. */
export async function createOrg(
  members: [Pick<UserActor, "userId">, OrgRole][] = [],
  options: { name?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await db()
    .insertInto("organizations")
    .values({ id, name: options.name ?? `Org ${id}`, slug: `org-${id}` })
    .execute();
  for (const [actor, role] of members) await join(id, actor.userId, role);
  return id;
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
  for (const role of Role.options) {
    if (role === "owner") continue;
    const user = await createUser({ label: role });
    await addMember(org.id, user, role);
    members[role] = user;
  }
  return { id: org.id, owner, members };
}

/**
 * Makes a user a member behind the API's back: setup for tests about what members do. Joining
 * itself (invitation, mail, accept) is tested in core/invitation and functions/account.
 */
export async function addMember(orgId: string, user: TestUser, role: OrgRole): Promise<void> {
  await join(orgId, user.actor.userId, role);
}

async function join(orgId: string, userId: string, role: OrgRole): Promise<void> {
  await db().insertInto("organization_members").values({ org_id: orgId, user_id: userId, role }).execute();
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

/** The audit events that match every filter given, oldest first. */
export async function auditWhere(filter: { orgId?: string; userId?: string; action?: string; ipAddress?: string }) {
  let query = db().selectFrom("audit_log").selectAll();
  if (filter.orgId !== undefined) query = query.where("org_id", "=", filter.orgId);
  if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
  if (filter.action !== undefined) query = query.where("action", "=", filter.action);
  if (filter.ipAddress !== undefined) query = query.where("ip_address", "=", filter.ipAddress);
  return query.orderBy("created_at").execute();
}

export function auditOf(orgId: string, action: string) {
  return auditWhere({ orgId, action });
}

/** The actions of a user's or an organization's audit events, oldest first. */
export async function auditActions(filter: { userId: string } | { orgId: string }): Promise<string[]> {
  return (await auditWhere(filter)).map((row) => row.action);
}
