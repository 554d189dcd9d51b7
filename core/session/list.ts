import { sql } from "kysely";
import type { UserActor } from "../actor/index.ts";
import { useTransaction } from "../db/index.ts";
import { expiryOf } from "./expiry.ts";
import type { Info } from "./schema.ts";

/** The caller's live sessions, newest first. */
export async function list(actor: UserActor): Promise<Info[]> {
  const expiry = expiryOf("s");
  const rows = await useTransaction((tx) =>
    tx
      .selectFrom("user_sessions as s")
      .select(["s.id", "s.ip_address", "s.user_agent", "s.created_at", "s.last_used_at", expiry.as("expires_at")])
      .where("s.user_id", "=", actor.userId)
      .where(sql<boolean>`${expiry} > now()`)
      .orderBy("s.created_at", "desc")
      .orderBy("s.id", "desc")
      .execute(),
  );
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    current: row.id === actor.sessionId,
  }));
}
