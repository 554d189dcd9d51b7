import { isPlatformAdmin, type Actor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import { diff, snapshot } from "../changes/index.ts";
import { transaction, useTransaction } from "../db/index.ts";
import type { OrganizationRow } from "../db/schema.ts";
import { VisibleError } from "../error/index.ts";
import { PageQuery, paginate, type PageResult } from "../pagination/index.ts";
import { input } from "../validation/index.ts";
import { requireRole, requireUser } from "../access/index.ts";
import { CreateInput, UpdateInput } from "./input.ts";
import type { Info, ListQuery, Role } from "./schema.ts";

export { Info, ListQuery, Params, Role } from "./schema.ts";

function toInfo(row: OrganizationRow, role: Role | null): Info {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    plan: row.plan,
    status: row.status,
    metadata: row.metadata,
    role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const AUDITED = (row: OrganizationRow) => ({ name: row.name, slug: row.slug, plan: row.plan, metadata: row.metadata });

/** Creates an organization; its creator becomes its owner in the same transaction. */
export async function create(actor: Actor, raw: CreateInput): Promise<Info> {
  const user = requireUser(actor);
  const data = input(CreateInput, raw);
  return transaction(async (tx) => {
    // ON CONFLICT instead of catching 23505: the transaction stays usable and nothing is logged as an error.
    const row = await tx
      .insertInto("organizations")
      .values({ name: data.name, slug: data.slug, metadata: JSON.stringify(data.metadata ?? {}) })
      .onConflict((oc) => oc.column("slug").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      throw new VisibleError("slug_taken", "Another organization already uses this slug", {
        errors: [{ path: "slug", message: "Already taken" }],
      });
    }
    await tx
      .insertInto("organization_members")
      .values({ org_id: row.id, user_id: user.userId, role: "owner" })
      .execute();
    await emit({
      action: "org.created",
      actor,
      orgId: row.id,
      resourceType: "organization",
      resourceId: row.id,
      details: { after: snapshot(AUDITED(row)) },
    });
    return toInfo(row, "owner");
  });
}

/**
 * The organizations the caller belongs to, with the caller's role, newest first. Platform
 * administrators get their own memberships here too; their reach into every other organization
 * is by id (fromID and everything under it).
 */
export async function list(actor: Actor, raw: ListQuery = {}): Promise<PageResult<Info>> {
  const user = requireUser(actor);
  // The page query itself (ListQuery is it): this module's answers aren't built for a list.
  const page = input(PageQuery, raw);
  return useTransaction(async (executor) => {
    const result = await paginate(
      executor
        .selectFrom("organization_members as m")
        .innerJoin("organizations as o", "o.id", "m.org_id")
        .selectAll("o")
        .select("m.role as member_role")
        .where("m.user_id", "=", user.userId),
      { createdAt: "o.created_at", id: "o.id" },
      page,
    );
    return {
      items: result.items.map(({ member_role, ...row }) => toInfo(row, member_role as Role)),
      nextCursor: result.nextCursor,
    };
  });
}

export async function fromID(actor: Actor, orgId: string): Promise<Info> {
  return useTransaction(async (executor) => {
    const role = await requireRole(actor, orgId, "viewer");
    const row = await executor.selectFrom("organizations").selectAll().where("id", "=", orgId).executeTakeFirst();
    // Deleted between the access check and this read.
    if (!row) throw new VisibleError("not_found", "Organization not found");
    return toInfo(row, role);
  });
}

/** Name and metadata (admin or higher); the plan only by a platform administrator. */
export async function update(actor: Actor, orgId: string, raw: UpdateInput): Promise<Info> {
  const patch = input(UpdateInput, raw);
  return transaction(async (tx) => {
    const role = await requireRole(actor, orgId, "admin");
    if (patch.plan !== undefined && !isPlatformAdmin(actor)) {
      throw new VisibleError("forbidden", "Only platform administrators change an organization's plan");
    }
    const before = await tx
      .selectFrom("organizations")
      .selectAll()
      .where("id", "=", orgId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new VisibleError("not_found", "Organization not found");
    const changes = diff(AUDITED(before), { name: patch.name, plan: patch.plan, metadata: patch.metadata });
    if (!changes) return toInfo(before, role);
    const after = await tx
      .updateTable("organizations")
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.plan !== undefined ? { plan: patch.plan } : {}),
        ...(patch.metadata !== undefined ? { metadata: JSON.stringify(patch.metadata) } : {}),
        updated_at: new Date(),
      })
      .where("id", "=", orgId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emit({
      action: "org.updated",
      actor,
      orgId,
      resourceType: "organization",
      resourceId: orgId,
      details: changes,
    });
    return toInfo(after, role);
  });
}

/** Owner only (or a platform administrator). Members and resources go with it (ON DELETE CASCADE). */
export async function remove(actor: Actor, orgId: string): Promise<void> {
  await transaction(async (tx) => {
    await requireRole(actor, orgId, "owner");
    const counts = await tx
      .selectNoFrom((eb) => [
        eb
          .selectFrom("organization_members")
          .select(eb.fn.countAll<number>().as("n"))
          .where("org_id", "=", orgId)
          .as("members"),
        eb.selectFrom("resources").select(eb.fn.countAll<number>().as("n")).where("org_id", "=", orgId).as("resources"),
      ])
      .executeTakeFirstOrThrow();
    const row = await tx.deleteFrom("organizations").where("id", "=", orgId).returningAll().executeTakeFirst();
    if (!row) throw new VisibleError("not_found", "Organization not found");
    await emit({
      action: "org.deleted",
      actor,
      orgId,
      resourceType: "organization",
      resourceId: orgId,
      details: { before: snapshot(AUDITED(row)), members: counts.members, resources: counts.resources },
    });
  });
}
