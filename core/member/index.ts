import type { Kysely, Transaction } from "kysely";
import { isPlatformAdmin, type Actor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import { isForeignKeyViolation, transaction, useTransaction, type Database } from "../db/index.ts";
import { notFound, VisibleError } from "../error/index.ts";
import { atLeast, requireRole, requireUser } from "../access/index.ts";
import type { Role } from "../org/schema.ts";
import { PageQuery, paginate, type PageResult } from "../pagination/index.ts";
import { existingId, input } from "../validation/index.ts";
import { UpdateInput } from "./input.ts";
import type { Info, ListQuery } from "./schema.ts";

export { Info, ListQuery, Params } from "./schema.ts";

const PRIVILEGED: ReadonlySet<Role> = new Set(["owner", "admin"]);

interface MemberRecord {
  user_id: string;
  email: string;
  display_name: string;
  role: string;
  created_at: Date;
}

function toInfo(row: MemberRecord): Info {
  return {
    userId: row.user_id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as Role,
    createdAt: row.created_at.toISOString(),
  };
}

function selectMembers(executor: Kysely<Database>, orgId: string) {
  return executor
    .selectFrom("organization_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.user_id", "u.email", "u.display_name", "m.role", "m.created_at"])
    .where("m.org_id", "=", orgId);
}

/**
 * An admin manages members and viewers; granting, changing or removing admin or owner takes an
 * owner. Platform administrators may do everything. An admin may lower their own role, and
 * anybody may leave.
 */
function mayManage(
  actorRole: Role | null,
  actor: Actor,
  current: Role | null,
  next: Role | null,
  self: boolean,
): boolean {
  if (isPlatformAdmin(actor) || actorRole === "owner") return true;
  if (self && current !== null && (next === null || !atLeast(next, current))) return true;
  const touchesPrivileged = (current !== null && PRIVILEGED.has(current)) || (next !== null && PRIVILEGED.has(next));
  return actorRole === "admin" && !touchesPrivileged;
}

/**
 * Counts the organization's owners and locks their rows until commit. The lock is what makes the
 * count true: on REPEATABLE READ (YugabyteDB's default) a snapshot taken before waiting on the
 * organization lock still sees an owner another transaction has just demoted or removed, and
 * only locking that row surfaces the change (as a serialization failure, which `transaction`
 * retries on a fresh snapshot); on READ COMMITTED the locking read re-reads the committed row.
 */
async function lockOwners(tx: Transaction<Database>, orgId: string): Promise<number> {
  const rows = await tx
    .selectFrom("organization_members")
    .select("user_id")
    .where("org_id", "=", orgId)
    .where("role", "=", "owner")
    // One order for every transaction: two of them never wait on each other's second row.
    .orderBy("user_id")
    .forUpdate()
    .execute();
  return rows.length;
}

function lastOwner(): VisibleError {
  return new VisibleError("last_owner", "An organization keeps at least one owner: make somebody else owner first");
}

export async function list(actor: Actor, orgId: string, raw: ListQuery = {}): Promise<PageResult<Info>> {
  // The page query itself (ListQuery is it): this module's answers aren't built for a list.
  const page = input(PageQuery, raw);
  return useTransaction(async (executor) => {
    await requireRole(actor, orgId, "viewer");
    // The page key is (m.created_at, m.user_id), exposed as `id` for the keyset helper.
    const result = await paginate(
      selectMembers(executor, orgId).select("m.user_id as id"),
      { createdAt: "m.created_at", id: "m.user_id" },
      page,
    );
    return { items: result.items.map(toInfo), nextCursor: result.nextCursor };
  });
}

/** Whether the caller may give `role` to somebody who is not a member yet (an invitation). */
export function mayGrant(actorRole: Role | null, actor: Actor, role: Role): boolean {
  return mayManage(actorRole, actor, null, role, false);
}

export interface Joining {
  id: string;
  email: string;
  display_name: string;
}

/**
 * Makes an existing user a member, inside the caller's transaction: the only way in is an accepted
 * invitation, which checked who may grant the role when it was made.
 */
export async function join(
  actor: Actor,
  orgId: string,
  user: Joining,
  role: Role,
  details: Record<string, unknown> = {},
): Promise<Info> {
  const row = await useTransaction((tx) =>
    tx
      .insertInto("organization_members")
      .values({ org_id: orgId, user_id: user.id, role })
      .onConflict((oc) => oc.columns(["org_id", "user_id"]).doNothing())
      .returning(["role", "created_at"])
      .executeTakeFirst()
      .catch((error: unknown) => {
        // The user or the organization was deleted after it was read.
        throw isForeignKeyViolation(error) ? notFound("Organization") : error;
      }),
  );
  if (!row) throw new VisibleError("already_member", "This user is already a member of the organization");
  await emit({
    action: "member.added",
    actor,
    orgId,
    resourceType: "member",
    resourceId: user.id,
    details: { after: { role: row.role }, ...details },
  });
  return toInfo({
    user_id: user.id,
    email: user.email,
    display_name: user.display_name,
    role: row.role,
    created_at: row.created_at,
  });
}

/** Changes a member's role. The last owner can't be demoted. */
export async function update(actor: Actor, orgId: string, rawUserId: string, raw: UpdateInput): Promise<Info> {
  const userId = existingId(rawUserId, "Member");
  const data = input(UpdateInput, raw);
  const self = requireUser(actor).userId === userId;
  return transaction(async (tx) => {
    // Locked: two owners demoting each other at once are applied one after the other, and the
    // second sees the first's result when it counts (and locks) the owners.
    const actorRole = await requireRole(actor, orgId, "admin", { lock: true });
    const target = await selectMembers(tx, orgId).where("m.user_id", "=", userId).executeTakeFirst();
    if (!target) throw notFound("Member");
    const current = target.role as Role;
    if (current === data.role) return toInfo(target);
    // The invariant comes before the owner-only rule: whoever asks, the answer to "this would leave
    // no owner" is last_owner (in the race above, the loser has just stopped being an owner itself).
    if (current === "owner" && (await lockOwners(tx, orgId)) <= 1) throw lastOwner();
    if (!mayManage(actorRole, actor, current, data.role, self)) {
      throw new VisibleError(
        "forbidden",
        self ? "You can lower your own role but not raise it" : "Only an owner changes the admin or owner role",
      );
    }
    const updated = await tx
      .updateTable("organization_members")
      .set({ role: data.role, updated_at: new Date() })
      .where("org_id", "=", orgId)
      .where("user_id", "=", userId)
      .returning(["role"])
      .executeTakeFirstOrThrow();
    await emit({
      action: "member.updated",
      actor,
      orgId,
      resourceType: "member",
      resourceId: userId,
      details: { before: { role: current }, after: { role: updated.role } },
    });
    return toInfo({ ...target, role: updated.role });
  });
}

/** Removes a member; anyone may remove themselves (leave). The last owner can't leave. */
export async function remove(actor: Actor, orgId: string, rawUserId: string): Promise<void> {
  const userId = existingId(rawUserId, "Member");
  const self = requireUser(actor).userId === userId;
  await transaction(async (tx) => {
    const actorRole = await requireRole(actor, orgId, self ? "viewer" : "admin", { lock: true });
    const target = await tx
      .selectFrom("organization_members")
      .select("role")
      .where("org_id", "=", orgId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!target) throw notFound("Member");
    const current = target.role as Role;
    if (current === "owner" && (await lockOwners(tx, orgId)) <= 1) throw lastOwner();
    if (!mayManage(actorRole, actor, current, null, self)) {
      throw new VisibleError("forbidden", "Only an owner removes an admin or owner");
    }
    await tx.deleteFrom("organization_members").where("org_id", "=", orgId).where("user_id", "=", userId).execute();
    await emit({
      action: "member.removed",
      actor,
      orgId,
      resourceType: "member",
      resourceId: userId,
      details: { before: { role: current }, self },
    });
  });
}
