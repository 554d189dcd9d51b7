import { sql, type Selectable, type Transaction } from "kysely";
import { isPlatformAdmin, type Actor, type UserActor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import { diff } from "../changes/index.ts";
import { isUniqueViolation, transaction, useTransaction, type Database } from "../db/index.ts";
import type { UserRow } from "../db/schema.ts";
import { VisibleError, notFound } from "../error/index.ts";
import { paginate, type PageResult } from "../pagination/index.ts";
import * as Mail from "../mail/index.ts";
import { checkPassword, hashPassword } from "../password/index.ts";
import * as RateLimit from "../rate-limit/index.ts";
import * as Session from "../session/index.ts";
import * as Token from "../token/index.ts";
import { input } from "../validation/index.ts";
import { AdminUpdateInput, ChangePasswordInput, CreateInput, UpdateInput } from "./input.ts";
import type { UserRole, UserStatus } from "./access.ts";
import { Params } from "./params.ts";
import { ListQuery } from "./query.ts";
import type { Info } from "./schema.ts";

export { Params } from "./params.ts";
export { ListQuery } from "./query.ts";
export { Info, Single } from "./schema.ts";
export { UserRole, UserStatus } from "./access.ts";

type UserColumns = Omit<Selectable<Database["users"]>, "password_hash">;
const COLUMNS = [
  "id",
  "email",
  "display_name",
  "role",
  "status",
  "email_verified",
  "created_at",
  "updated_at",
] as const;

export function toInfo(row: UserColumns): Info {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role as UserRole,
    status: row.status as UserStatus,
    emailVerified: row.email_verified,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function fromID(id: string): Promise<Info | undefined> {
  const row = await useTransaction((tx) =>
    tx.selectFrom("users").select(COLUMNS).where("id", "=", id).executeTakeFirst(),
  );
  return row && toInfo(row);
}

export async function fromEmail(email: string): Promise<Info | undefined> {
  const row = await useTransaction((tx) =>
    tx.selectFrom("users").select(COLUMNS).where("email", "=", email.toLowerCase()).executeTakeFirst(),
  );
  return row && toInfo(row);
}

/** The user with its password hash: for credential checks only, never for an answer. */
export async function withCredentials(email: string): Promise<UserRow | undefined> {
  return useTransaction((tx) =>
    tx.selectFrom("users").selectAll().where("email", "=", email.toLowerCase()).executeTakeFirst(),
  );
}

export interface NewUser {
  email: string;
  displayName: string;
  passwordHash: string;
}

/**
 * Inserts a user whose password is already hashed: registration hashes before its transaction, so
 * no connection is held during the (deliberately slow) hash.
 */
export async function insert(actor: Actor, user: NewUser): Promise<Info> {
  return transaction(async (tx) => {
    let row: UserColumns;
    try {
      row = await tx
        .insertInto("users")
        .values({
          email: user.email.toLowerCase(),
          display_name: user.displayName,
          password_hash: user.passwordHash,
          status: "active",
          role: "user",
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error)) throw new VisibleError("email_taken", "An account with this email already exists");
      throw error;
    }
    await emit({ action: "user.registered", actor, userId: row.id, resourceType: "user", resourceId: row.id });
    return toInfo(row);
  });
}

export async function create(actor: Actor, value: CreateInput): Promise<Info> {
  const data = input(CreateInput, value);
  const passwordHash = await hashPassword(data.password);
  return insert(actor, { email: data.email, displayName: data.displayName, passwordHash });
}

/** The caller's own account: the hottest read there is, so it comes with the session when it can. */
export async function me(actor: UserActor): Promise<Info> {
  // The session's cache entry carries the profile, and every change to it invalidates the user's
  // sessions (Session.refreshForUser), so this copy is as fresh as the session itself.
  const { profile } = actor;
  if (profile) {
    return {
      id: actor.userId,
      email: profile.email,
      displayName: profile.displayName,
      role: actor.role,
      // Session.authenticate lets no other status through.
      status: "active",
      emailVerified: profile.emailVerified,
      createdAt: profile.createdAt,
      updatedAt: profile.updatedAt,
    };
  }
  // An actor built without Session.authenticate (a script, a test).
  const user = await fromID(actor.userId);
  // Sessions cascade with their user, so this only happens in a race with a deletion.
  if (!user) throw new VisibleError("unauthorized", "The session is missing, expired or revoked");
  return user;
}

/** The caller changes their own profile. */
export async function update(actor: UserActor, value: UpdateInput): Promise<Info> {
  const data = input(UpdateInput, value);
  return transaction(async (tx) => {
    const before = await tx
      .selectFrom("users")
      .select(COLUMNS)
      .where("id", "=", actor.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new VisibleError("unauthorized", "The session is missing, expired or revoked");
    const changes = diff({ displayName: before.display_name }, { displayName: data.displayName });
    if (!changes) return toInfo(before);
    const after = await tx
      .updateTable("users")
      .set({ display_name: data.displayName, updated_at: sql<Date>`now()` })
      .where("id", "=", actor.userId)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    // Their cache entries carry the profile GET /me answers with.
    await Session.refreshForUser(actor.userId);
    await emit({
      action: "user.updated",
      actor,
      resourceType: "user",
      resourceId: actor.userId,
      details: { ...changes },
    });
    return toInfo(after);
  });
}

/**
 * Every earlier session, the current one too, is revoked and a new one issued: whoever may have
 * stolen a token loses it with the old password.
 */
export async function changePassword(actor: UserActor, value: ChangePasswordInput): Promise<Session.SessionToken> {
  const data = input(ChangePasswordInput, value);
  const current = await useTransaction((tx) =>
    tx.selectFrom("users").selectAll().where("id", "=", actor.userId).executeTakeFirst(),
  );
  if (!current) throw new VisibleError("unauthorized", "The session is missing, expired or revoked");
  // A stolen session must not become a way to guess the password around the login limits: a wrong
  // current password uses the account's login budget, counted before it is checked.
  const attempt = await RateLimit.takePasswordAttempt(current.email, { actor });
  if (!(await checkPassword(attempt, current.password_hash, data.currentPassword))) {
    await emit({
      action: "user.password_change_failed",
      actor,
      resourceType: "user",
      resourceId: actor.userId,
      details: { reason: "wrong_password" },
    });
    throw new VisibleError("invalid_credentials", "The current password is not correct");
  }
  await attempt.succeeded();
  const passwordHash = await hashPassword(data.newPassword);
  const created = await transaction(async (tx) => {
    const user = await tx
      .updateTable("users")
      .set({ password_hash: passwordHash, updated_at: sql<Date>`now()` })
      .where("id", "=", actor.userId)
      .returning(["id", "role", "status"])
      .executeTakeFirst();
    if (!user) throw new VisibleError("unauthorized", "The session is missing, expired or revoked");
    const revoked = await Session.removeAllForUser(actor.userId);
    const session = await Session.create(
      { id: user.id, role: user.role === "admin" ? "admin" : "user", status: user.status },
      actor,
    );
    await emit({
      action: "user.password_changed",
      actor,
      resourceType: "user",
      resourceId: actor.userId,
      details: { sessionsRevoked: revoked },
    });
    await Mail.enqueue({ kind: "password_changed", userId: actor.userId });
    return session;
  });
  return { token: created.token, expiresAt: created.expiresAt.toISOString() };
}

/**
 * Marks the address verified with a verify_email token. The token names the address it was mailed
 * to: if the account's address is no longer that one, the token proves nothing and is refused.
 */
export async function confirmEmail(actor: Actor, token: string): Promise<Info> {
  return transaction(async (tx) => {
    const redeemed = await Token.redeem("verify_email", token);
    if (!redeemed.userId) throw Token.invalidToken();
    const row = await tx
      .updateTable("users")
      .set({ email_verified: true, updated_at: sql<Date>`now()` })
      .where("id", "=", redeemed.userId)
      .where("email", "=", redeemed.email)
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw Token.invalidToken();
    await Session.refreshForUser(row.id);
    await emit({
      action: "user.email_verified",
      actor,
      userId: row.id,
      resourceType: "user",
      resourceId: row.id,
      details: { via: "link" },
    });
    return toInfo(row);
  });
}

/**
 * Marks an address verified inside the caller's transaction (an accepted invitation proves it too).
 * Emits user.email_verified only when it changes something.
 */
export async function markEmailVerified(actor: Actor, userId: string, via: string): Promise<void> {
  const changed = await useTransaction((tx) =>
    tx
      .updateTable("users")
      .set({ email_verified: true, updated_at: sql<Date>`now()` })
      .where("id", "=", userId)
      .where("email_verified", "=", false)
      .returning("id")
      .executeTakeFirst(),
  );
  if (!changed) return;
  await Session.refreshForUser(userId);
  await emit({
    action: "user.email_verified",
    actor,
    userId,
    resourceType: "user",
    resourceId: userId,
    details: { via },
  });
}

/**
 * A new password with a password_reset token: the mailbox's owner proved who they are, so every
 * session ends, the address counts as verified, and a new session is issued. The hash is made
 * before the transaction (no connection held meanwhile), so an invalid token costs as much as a
 * valid one.
 */
export async function resetPassword(
  actor: Actor,
  token: string,
  newPassword: string,
): Promise<{ user: Info; token: string; expiresAt: string }> {
  const passwordHash = await hashPassword(newPassword);
  return transaction(async (tx) => {
    const redeemed = await Token.redeem("password_reset", token);
    if (!redeemed.userId) throw Token.invalidToken();
    const row = await tx
      .updateTable("users")
      .set({ password_hash: passwordHash, email_verified: true, updated_at: sql<Date>`now()` })
      .where("id", "=", redeemed.userId)
      .where("email", "=", redeemed.email)
      .where((eb) => eb.or([eb("status", "=", "active"), eb("status", "is", null)]))
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw Token.invalidToken();
    // Other reset links mailed earlier die with this one.
    await Token.revokeForUser("password_reset", row.id);
    const revoked = await Session.removeAllForUser(row.id);
    const user = toInfo(row);
    const session = await Session.create({ id: user.id, role: user.role, status: user.status }, actor);
    await emit({
      action: "user.password_reset",
      actor,
      userId: row.id,
      resourceType: "user",
      resourceId: row.id,
      details: { sessionsRevoked: revoked },
    });
    await Mail.enqueue({ kind: "password_changed", userId: row.id });
    return { user, token: session.token, expiresAt: session.expiresAt.toISOString() };
  });
}

function forbidden(): VisibleError {
  return new VisibleError("forbidden", "Only platform administrators may do this");
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Every user, newest first, for platform administrators; `q` matches email or display name. */
export async function list(actor: Actor, value: ListQuery): Promise<PageResult<Info>> {
  if (!isPlatformAdmin(actor)) throw forbidden();
  const query = input(ListQuery, value);
  const page = await useTransaction((tx) => {
    let select = tx.selectFrom("users").select(COLUMNS);
    if (query.q) {
      const pattern = likePattern(query.q);
      select = select.where((eb) => eb.or([eb("email", "ilike", pattern), eb("display_name", "ilike", pattern)]));
    }
    return paginate(select, { createdAt: "users.created_at", id: "users.id" }, query);
  });
  return { items: page.items.map(toInfo), nextCursor: page.nextCursor };
}

/**
 * The active platform administrators, their rows locked until commit, in one order for every
 * transaction. Locking what the check reads is what keeps the last one: on REPEATABLE READ (what
 * YugabyteDB runs) a concurrent demotion of one of these rows makes this read fail with a
 * serialization error, retried by `transaction` on a fresh snapshot; on READ COMMITTED the locking
 * read waits and re-reads the committed row.
 */
async function lockActiveAdmins(tx: Transaction<Database>): Promise<string[]> {
  const rows = await tx
    .selectFrom("users")
    .select("id")
    .where("role", "=", "admin")
    .where("status", "=", "active")
    .orderBy("id")
    .forUpdate()
    .execute();
  return rows.map((row) => row.id);
}

/**
 * A platform administrator changes a user's status or role. Suspending revokes every session;
 * any other change makes the cached sessions re-read the user.
 */
export async function adminUpdate(actor: Actor, params: { userId: string }, value: AdminUpdateInput): Promise<Info> {
  if (actor.type !== "user" || actor.role !== "admin") throw forbidden();
  const { userId } = input(Params, params);
  const data = input(AdminUpdateInput, value);
  // The last administrator could otherwise lock everybody out of the platform.
  if (userId === actor.userId)
    throw new VisibleError("conflict", "Administrators can't change their own role or status");
  return transaction(async (tx) => {
    const admins = await lockActiveAdmins(tx);
    const before = await tx.selectFrom("users").select(COLUMNS).where("id", "=", userId).forUpdate().executeTakeFirst();
    if (!before) throw notFound("User");
    const stillAdmin = (data.role ?? before.role) === "admin" && (data.status ?? before.status) === "active";
    // The invariant first, as for an organization's last owner: in a race of two administrators
    // demoting or suspending each other, the loser has just stopped being one, and the answer to
    // "this would leave no active administrator" is last_admin whoever asks.
    if (admins.includes(userId) && !stillAdmin && admins.length <= 1) {
      throw new VisibleError(
        "last_admin",
        "The platform keeps at least one active administrator: make somebody else one first",
      );
    }
    // The session's role may be a moment old; the locked rows are the truth.
    if (!admins.includes(actor.userId)) throw forbidden();
    const changes = diff({ status: before.status, role: before.role }, { status: data.status, role: data.role });
    if (!changes) return toInfo(before);
    const after = await tx
      .updateTable("users")
      .set({
        ...(data.status ? { status: data.status } : {}),
        ...(data.role ? { role: data.role } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", userId)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    let sessionsRevoked = 0;
    if (after.status === "suspended") sessionsRevoked = await Session.removeAllForUser(userId);
    // Not only a new role: the sessions' cache entries carry the status and updatedAt too.
    else await Session.refreshForUser(userId);
    await emit({
      action: "admin.user_updated",
      actor,
      resourceType: "user",
      resourceId: userId,
      details: { ...changes, ...(sessionsRevoked > 0 ? { sessionsRevoked } : {}) },
    });
    return toInfo(after);
  });
}
