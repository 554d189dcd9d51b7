import type { DeleteQueryBuilder, DeleteResult } from "kysely";
import type * as z from "../zod/index.ts";
import type { UserActor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import * as Cache from "../cache/index.ts";
import { transaction, useTransaction, type Database } from "../db/index.ts";
import { notFound } from "../error/index.ts";
import { input } from "../validation/index.ts";
import { cacheKeyOf } from "./cache-entry.ts";
import { Params } from "./schema.ts";

/**
 * Invalidates each session's cache entry before the surrounding transaction commits, or fails it
 * with 503 when the cache can't confirm (Cache.invalidate): once a revocation has answered, no
 * process accepts the old session or its old role or status.
 */
async function markInvalid(tokenHashes: string[]): Promise<void> {
  await Cache.invalidate(tokenHashes.map(cacheKeyOf));
}

type SessionDelete = DeleteQueryBuilder<Database, "user_sessions", DeleteResult>;

/**
 * Deletes the user's sessions that `narrow` keeps (all of them by default) and invalidates their
 * cache entries before the surrounding transaction commits. Returns how many were revoked.
 */
async function revoke(
  userId: string,
  narrow: (query: SessionDelete) => SessionDelete = (query) => query,
): Promise<number> {
  const rows = await useTransaction((tx) =>
    narrow(tx.deleteFrom("user_sessions").where("user_id", "=", userId))
      .returning("token_hash")
      .execute(),
  );
  await markInvalid(rows.map((row) => row.token_hash));
  return rows.length;
}

/** Ends the caller's own session. */
export async function logout(actor: UserActor): Promise<void> {
  await transaction(async () => {
    if ((await revoke(actor.userId, (query) => query.where("id", "=", actor.sessionId))) === 0) return;
    await emit({ action: "auth.logout", actor, resourceType: "session", resourceId: actor.sessionId });
  });
}

/** Revokes one of the caller's sessions; somebody else's is answered as not found. */
export async function remove(actor: UserActor, params: z.input<typeof Params>): Promise<void> {
  const { sessionId } = input(Params, params);
  await transaction(async () => {
    if ((await revoke(actor.userId, (query) => query.where("id", "=", sessionId))) === 0) throw notFound("Session");
    await emit({
      action: "session.revoked",
      actor,
      resourceType: "session",
      resourceId: sessionId,
      details: { current: sessionId === actor.sessionId },
    });
  });
}

/** Revokes every session of the caller except the one making the request. */
export async function removeOthers(actor: UserActor): Promise<number> {
  return transaction(async () => {
    const count = await revoke(actor.userId, (query) => query.where("id", "!=", actor.sessionId));
    if (count > 0)
      await emit({ action: "session.revoked", actor, resourceType: "session", details: { scope: "others", count } });
    return count;
  });
}

/**
 * Revokes every session of a user (password change, suspension). Meant to run inside the
 * change's transaction: the cache entries are invalidated before it commits.
 */
export async function removeAllForUser(userId: string): Promise<number> {
  return revoke(userId);
}

/**
 * Makes the user's sessions re-read the user from the database (a change to the role, status or
 * profile): the cached copies carry the old values. Call it after the change's UPDATE of the user,
 * in the same transaction: a session being created meanwhile then waits for the change (see create).
 */
export async function refreshForUser(userId: string): Promise<void> {
  const rows = await useTransaction((tx) =>
    tx.selectFrom("user_sessions").select("token_hash").where("user_id", "=", userId).execute(),
  );
  await markInvalid(rows.map((row) => row.token_hash));
}
