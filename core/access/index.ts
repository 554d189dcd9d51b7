import { isPlatformAdmin, type Actor, type UserActor } from "../actor/index.ts";
import { useTransaction } from "../db/index.ts";
import { notFound, VisibleError } from "../error/index.ts";
import { existingId } from "../validation/index.ts";
import type { Role } from "../org/schema.ts";

const RANK: Record<Role, number> = { viewer: 1, member: 2, admin: 3, owner: 4 };

export function atLeast(role: Role | null, minimum: Role): boolean {
  return role !== null && RANK[role] >= RANK[minimum];
}

export function requireUser(actor: Actor): UserActor {
  if (actor.type !== "user") throw new VisibleError("unauthorized", "Sign in to do this");
  return actor;
}

export interface AccessOptions {
  /**
   * Locks the organization row (FOR NO KEY UPDATE) before reading the caller's role, so membership
   * changes in one organization run one at a time and the owner count a transaction reads stays
   * true until it commits, on PostgreSQL and on YugabyteDB alike. NO KEY UPDATE leaves the
   * foreign-key share locks of concurrent resource writes alone. Only inside a transaction.
   */
  lock?: boolean;
}

/**
 * THE access check for everything under an organization. Returns the caller's role there (null for
 * a platform administrator who is not a member: platform administrators pass every check).
 * Somebody who is not a member gets not_found, exactly as for an organization that does not exist;
 * a member below `minimum` gets forbidden, since the organization's existence is no secret to them.
 */
export async function requireRole(
  actor: Actor,
  orgId: string,
  minimum: Role,
  options: AccessOptions = {},
): Promise<Role | null> {
  const user = requireUser(actor);
  const id = existingId(orgId, "Organization");
  return useTransaction(async (executor) => {
    let exists: boolean;
    let role: Role | null;
    if (options.lock) {
      if (executor.isTransaction !== true) throw new Error("requireRole({ lock: true }) needs a transaction");
      const org = await executor
        .selectFrom("organizations")
        .select("id")
        .where("id", "=", id)
        .forNoKeyUpdate()
        .executeTakeFirst();
      const member = org
        ? await executor
            .selectFrom("organization_members")
            .select("role")
            .where("org_id", "=", id)
            .where("user_id", "=", user.userId)
            .executeTakeFirst()
        : undefined;
      exists = org !== undefined;
      role = (member?.role as Role | undefined) ?? null;
    } else {
      const row = await executor
        .selectFrom("organizations as o")
        .leftJoin("organization_members as m", (join) =>
          join.onRef("m.org_id", "=", "o.id").on("m.user_id", "=", user.userId),
        )
        .select("m.role")
        .where("o.id", "=", id)
        .executeTakeFirst();
      exists = row !== undefined;
      role = (row?.role as Role | null | undefined) ?? null;
    }
    if (isPlatformAdmin(user)) {
      if (!exists) throw notFound("Organization");
      return role;
    }
    if (!exists || role === null) throw notFound("Organization");
    if (!atLeast(role, minimum))
      throw new VisibleError("forbidden", `This needs the ${minimum} role or higher in the organization`);
    return role;
  });
}
