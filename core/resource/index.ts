import type { Actor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import { diff, snapshot } from "../changes/index.ts";
import { isForeignKeyViolation, transaction, useTransaction, type Executor } from "../db/index.ts";
import type { ResourceRow } from "../db/schema.ts";
import { notFound } from "../error/index.ts";
import { requireRole } from "../access/index.ts";
import { paginate, type PageResult } from "../pagination/index.ts";
import { existingId, input } from "../validation/index.ts";
import { CreateInput, UpdateInput } from "./input.ts";
import { ListQuery } from "./query.ts";
import type { Info } from "./schema.ts";

export { Status, Type } from "./fields.ts";
export { Params } from "./params.ts";
export { ListQuery } from "./query.ts";
export { Info } from "./schema.ts";

function toInfo(row: ResourceRow): Info {
  return {
    id: row.id,
    orgId: row.org_id,
    type: row.type,
    name: row.name,
    config: row.config,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const resourceId = (id: string) => existingId(id, "Resource");

const AUDITED = (row: ResourceRow) => ({ type: row.type, name: row.name, status: row.status, config: row.config });

export async function create(actor: Actor, orgId: string, raw: CreateInput): Promise<Info> {
  const data = input(CreateInput, raw);
  return transaction(async (tx) => {
    await requireRole(actor, orgId, "member");
    const row = await tx
      .insertInto("resources")
      .values({ org_id: orgId, type: data.type, name: data.name, config: JSON.stringify(data.config ?? {}) })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        // The organization was deleted after the access check.
        throw isForeignKeyViolation(error) ? notFound("Organization") : error;
      });
    await emit({
      action: "resource.created",
      actor,
      orgId,
      resourceType: "resource",
      resourceId: row.id,
      details: { after: snapshot(AUDITED(row)) },
    });
    return toInfo(row);
  });
}

/** An organization's resources, newest first; keyset pages on idx_resources_org_page. */
export async function list(actor: Actor, orgId: string, raw: ListQuery = {}): Promise<PageResult<Info>> {
  const query = input(ListQuery, raw);
  return useTransaction(async (executor) => {
    await requireRole(actor, orgId, "viewer");
    let q = executor.selectFrom("resources").selectAll().where("org_id", "=", orgId);
    if (query.type !== undefined) q = q.where("type", "=", query.type);
    if (query.status !== undefined) q = q.where("status", "=", query.status);
    const result = await paginate(q, { createdAt: "created_at", id: "id" }, query);
    return { items: result.items.map(toInfo), nextCursor: result.nextCursor };
  });
}

/** The organization's resource `id`, or not_found: never a resource of another organization. */
async function find(
  executor: Executor,
  orgId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ResourceRow> {
  let query = executor.selectFrom("resources").selectAll().where("id", "=", resourceId(id)).where("org_id", "=", orgId);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound("Resource");
  return row;
}

export async function fromID(actor: Actor, orgId: string, id: string): Promise<Info> {
  return useTransaction(async (executor) => {
    await requireRole(actor, orgId, "viewer");
    return toInfo(await find(executor, orgId, id));
  });
}

export async function update(actor: Actor, orgId: string, id: string, raw: UpdateInput): Promise<Info> {
  const patch = input(UpdateInput, raw);
  return transaction(async (tx) => {
    await requireRole(actor, orgId, "member");
    const before = await find(tx, orgId, id, { lock: true });
    const changes = diff(AUDITED(before), { name: patch.name, status: patch.status, config: patch.config });
    if (!changes) return toInfo(before);
    const after = await tx
      .updateTable("resources")
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.config !== undefined ? { config: JSON.stringify(patch.config) } : {}),
        updated_at: new Date(),
      })
      .where("id", "=", before.id)
      .where("org_id", "=", orgId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emit({
      action: "resource.updated",
      actor,
      orgId,
      resourceType: "resource",
      resourceId: before.id,
      details: { type: before.type, ...changes },
    });
    return toInfo(after);
  });
}

export async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
  await transaction(async (tx) => {
    await requireRole(actor, orgId, "admin");
    const row = await tx
      .deleteFrom("resources")
      .where("id", "=", resourceId(id))
      .where("org_id", "=", orgId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound("Resource");
    await emit({
      action: "resource.deleted",
      actor,
      orgId,
      resourceType: "resource",
      resourceId: row.id,
      details: { before: snapshot(AUDITED(row)) },
    });
  });
}
