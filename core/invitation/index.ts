import { sql, type Selectable } from "kysely";
import type { Actor, UserActor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import { config } from "../config/index.ts";
import { transaction, useTransaction, type Database } from "../db/index.ts";
import { notFound, VisibleError } from "../error/index.ts";
import * as Mail from "../mail/index.ts";
import * as Member from "../member/index.ts";
import * as Org from "../org/index.ts";
import { requireRole, requireUser } from "../access/index.ts";
import type { Role } from "../org/schema.ts";
import { PageQuery, paginate, type PageResult } from "../pagination/index.ts";
import * as RateLimit from "../rate-limit/index.ts";
import * as Token from "../token/index.ts";
import * as User from "../user/index.ts";
import { existingId, input } from "../validation/index.ts";
import { AcceptInput, CreateInput } from "./input.ts";
import type { Accepted, Info, ListQuery } from "./schema.ts";

export { Accepted, Info, ListQuery, Params, Single } from "./schema.ts";

type Row = Pick<
  Selectable<Database["invitations"]>,
  "id" | "org_id" | "email" | "role" | "invited_by" | "created_at" | "expires_at"
>;
const COLUMNS = ["id", "org_id", "email", "role", "invited_by", "created_at", "expires_at"] as const;

function toInfo(row: Row): Info {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role as Role,
    invitedBy: row.invited_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}

function mayNotGrant(): VisibleError {
  return new VisibleError("forbidden", "Only an owner invites admins or owners");
}

/**
 * Invites an address with a role, under the rules for adding members (an admin invites members and
 * viewers; admins and owners take an owner). The answer is the same whether or not an account has
 * the address; only an existing member is refused. A second invitation to the same address replaces
 * the first. The mail leaves after the commit.
 */
export async function create(actor: Actor, orgId: string, raw: CreateInput): Promise<Info> {
  const data = input(CreateInput, raw);
  const inviter = requireUser(actor);
  // Per actor and before anything is read: the answer for an existing member (409) still tells
  // whether an address belongs to the organization, so probing it is bounded.
  await RateLimit.take("member-add", inviter.userId, { actor, details: { orgId } });
  return transaction(async (tx) => {
    // Locked: invitations and membership changes of one organization run one at a time.
    const actorRole = await requireRole(actor, orgId, "admin", { lock: true });
    if (!Member.mayGrant(actorRole, actor, data.role)) throw mayNotGrant();
    await RateLimit.take("invitation-org", orgId, { actor, details: { orgId } });
    const member = await tx
      .selectFrom("organization_members as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("m.user_id")
      .where("m.org_id", "=", orgId)
      .where("u.email", "=", data.email)
      .executeTakeFirst();
    if (member)
      throw new VisibleError("already_member", "Somebody with this email is already a member of the organization");
    const replaced = await tx
      .updateTable("invitations")
      .set({ revoked_at: sql<Date>`now()` })
      .where("org_id", "=", orgId)
      .where("email", "=", data.email)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .returning("id")
      .execute();
    const row = await tx
      .insertInto("invitations")
      .values({
        org_id: orgId,
        email: data.email,
        role: data.role,
        invited_by: inviter.userId,
        expires_at: sql<Date>`now() + make_interval(secs => ${config().tokenSeconds.invitation})`,
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    for (const old of replaced) {
      await emit({
        action: "invitation.revoked",
        actor,
        orgId,
        resourceType: "invitation",
        resourceId: old.id,
        details: { reason: "replaced", by: row.id },
      });
    }
    await emit({
      action: "invitation.created",
      actor,
      orgId,
      resourceType: "invitation",
      resourceId: row.id,
      details: { email: row.email, role: row.role },
    });
    await Mail.enqueue({ kind: "invitation", invitationId: row.id });
    return toInfo(row);
  });
}

/** Pending invitations (not accepted, revoked or expired), newest first. */
export async function list(actor: Actor, orgId: string, raw: ListQuery = {}): Promise<PageResult<Info>> {
  // The page query itself (ListQuery is it): this module's answers aren't built for a list.
  const page = input(PageQuery, raw);
  return useTransaction(async (executor) => {
    await requireRole(actor, orgId, "admin");
    const select = executor
      .selectFrom("invitations")
      .select(COLUMNS)
      .where("org_id", "=", orgId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`);
    const result = await paginate(select, { createdAt: "invitations.created_at", id: "invitations.id" }, page);
    return { items: result.items.map(toInfo), nextCursor: result.nextCursor };
  });
}

/** Withdraws an invitation that was not accepted yet; its mailed token then answers invalid_token. */
export async function revoke(actor: Actor, orgId: string, rawInvitationId: string): Promise<void> {
  const invitationId = existingId(rawInvitationId, "Invitation");
  await transaction(async (tx) => {
    const actorRole = await requireRole(actor, orgId, "admin", { lock: true });
    const row = await tx
      .selectFrom("invitations")
      .select(["id", "role", "email"])
      .where("id", "=", invitationId)
      .where("org_id", "=", orgId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) throw notFound("Invitation");
    if (!Member.mayGrant(actorRole, actor, row.role as Role))
      throw new VisibleError("forbidden", "Only an owner revokes invitations for admins or owners");
    await tx.updateTable("invitations").set({ revoked_at: sql<Date>`now()` }).where("id", "=", row.id).execute();
    await emit({
      action: "invitation.revoked",
      actor,
      orgId,
      resourceType: "invitation",
      resourceId: row.id,
      details: { email: row.email, role: row.role },
    });
  });
}

/**
 * Joins the organization with the mailed token. The caller must be signed in as the invited
 * address: anybody else, even holding the token, gets forbidden and the token stays usable for the
 * right account. Accepting proves the address, so it also counts as verified.
 */
export async function accept(actor: UserActor, raw: AcceptInput): Promise<Accepted> {
  const { token } = input(AcceptInput, raw);
  return transaction(async (tx) => {
    const redeemed = await Token.redeem("invitation", token);
    if (!redeemed.invitationId) throw Token.invalidToken();
    const invitation = await tx
      .selectFrom("invitations")
      .select(COLUMNS)
      .where("id", "=", redeemed.invitationId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`)
      .forUpdate()
      .executeTakeFirst();
    if (!invitation) throw Token.invalidToken();
    const user = await tx
      .selectFrom("users")
      .select(["id", "email", "display_name"])
      .where("id", "=", actor.userId)
      .executeTakeFirst();
    if (!user) throw new VisibleError("unauthorized", "The session is missing, expired or revoked");
    if (user.email !== invitation.email) {
      throw new VisibleError(
        "forbidden",
        "This invitation is for another email address: sign in with that address to accept it",
      );
    }
    // Membership changes of one organization run one at a time (see requireRole's lock).
    await tx
      .selectFrom("organizations")
      .select("id")
      .where("id", "=", invitation.org_id)
      .forNoKeyUpdate()
      .executeTakeFirst();
    const member = await Member.join(actor, invitation.org_id, user, invitation.role as Role, {
      invitationId: invitation.id,
    });
    await tx
      .updateTable("invitations")
      .set({ accepted_at: sql<Date>`now()` })
      .where("id", "=", invitation.id)
      .execute();
    await User.markEmailVerified(actor, user.id, "invitation");
    await emit({
      action: "invitation.accepted",
      actor,
      orgId: invitation.org_id,
      resourceType: "invitation",
      resourceId: invitation.id,
      details: { role: invitation.role },
    });
    const org = await Org.fromID(actor, invitation.org_id);
    return { org, member };
  });
}
