import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { useTransaction } from "../db/index.ts";
import { VisibleError } from "../error/index.ts";

/**
 * One-time tokens sent by mail. The token is 32 random bytes (base64url) and only its SHA-256 is
 * stored; it works once, before its expiry, for the purpose it was made for.
 */
export type Purpose = "verify_email" | "password_reset" | "invitation";

export interface Issue {
  purpose: Purpose;
  email: string;
  userId?: string | undefined;
  invitationId?: string | undefined;
  ttlSeconds: number;
}

export interface Redeemed {
  email: string;
  userId: string | null;
  invitationId: string | null;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Stores a new token's hash and returns the token, which exists nowhere else but the mail. */
export async function issue(request: Issue): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await useTransaction((tx) =>
    tx
      .insertInto("one_time_tokens")
      .values({
        token_hash: hashToken(token),
        purpose: request.purpose,
        email: request.email.toLowerCase(),
        user_id: request.userId ?? null,
        invitation_id: request.invitationId ?? null,
        expires_at: sql<Date>`now() + make_interval(secs => ${request.ttlSeconds})`,
      })
      .execute(),
  );
  return token;
}

export function invalidToken(): VisibleError {
  return new VisibleError("invalid_token", "The link is invalid, used or expired: ask for a new one");
}

/** A token can only be 43 base64url characters; anything else is answered without a query. */
const SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Marks the token used and returns what it was made for. One conditional UPDATE does both, so of
 * two requests racing with one token exactly one gets the row; the other, like an unknown, used or
 * expired token, gets invalid_token. Call it inside the transaction that acts on the token: if that
 * rolls back, the token stays usable.
 */
export async function redeem(purpose: Purpose, token: string): Promise<Redeemed> {
  if (!SHAPE.test(token)) throw invalidToken();
  const row = await useTransaction((tx) =>
    tx
      .updateTable("one_time_tokens")
      .set({ used_at: sql<Date>`now()` })
      .where("token_hash", "=", hashToken(token))
      .where("purpose", "=", purpose)
      .where("used_at", "is", null)
      .where("expires_at", ">", sql<Date>`now()`)
      .returning(["email", "user_id", "invitation_id"])
      .executeTakeFirst(),
  );
  if (!row) throw invalidToken();
  return { email: row.email, userId: row.user_id, invitationId: row.invitation_id };
}

/** Uses up every open token of a purpose for a user (a reset password makes earlier reset links void). */
export async function revokeForUser(purpose: Purpose, userId: string): Promise<void> {
  await useTransaction((tx) =>
    tx
      .updateTable("one_time_tokens")
      .set({ used_at: sql<Date>`now()` })
      .where("user_id", "=", userId)
      .where("purpose", "=", purpose)
      .where("used_at", "is", null)
      .execute(),
  );
}
