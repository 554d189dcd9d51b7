import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { closeDb, db } from "@voxguard/core/db";
import * as Session from "@voxguard/core/session";
import { handler } from "./cleanup-sessions.ts";

afterAll(async () => {
  await closeCache();
  await closeDb();
});

/** A user with `expired` sessions past their expiry and `live` ones still valid, written in bulk. */
async function userWithSessions(expired: number, live: number): Promise<string> {
  const id = randomUUID();
  await db()
    .insertInto("users")
    .values({ id, email: `cleanup-${id}@example.test`, display_name: "Cleanup", password_hash: null })
    .execute();
  await sql`
    insert into user_sessions (user_id, token_hash, expires_at, created_at, last_used_at)
    select ${id}, md5(random()::text) || md5(random()::text), now() - interval '1 minute', now() - interval '8 days', now() - interval '8 days'
    from generate_series(1, ${expired})`.execute(db());
  await sql`
    insert into user_sessions (user_id, token_hash, expires_at)
    select ${id}, md5(random()::text) || md5(random()::text), now() + interval '1 day'
    from generate_series(1, ${live})`.execute(db());
  return id;
}

async function counts(userId: string): Promise<{ expired: number; live: number }> {
  const row = await db()
    .selectFrom("user_sessions")
    .select([
      sql<number>`count(*) filter (where expires_at < now())`.as("expired"),
      sql<number>`count(*) filter (where expires_at >= now())`.as("live"),
    ])
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return { expired: Number(row.expired), live: Number(row.live) };
}

function context(remainingMs: number): Context {
  return { getRemainingTimeInMillis: () => remainingMs } as Context;
}

describe("session cleanup", () => {
  it("removes exactly the expired sessions, batch by batch", async () => {
    const userId = await userWithSessions(23, 7);
    const result = await Session.removeExpired({ batchSize: 5 });
    expect(await counts(userId)).toEqual({ expired: 0, live: 7 });
    // Other test files may leave expired sessions of their own; these 23 need at least 5 batches.
    expect(result.deleted).toBeGreaterThanOrEqual(23);
    expect(result.batches).toBeGreaterThanOrEqual(5);
    expect(result.complete).toBe(true);
  });

  it("removes sessions spread over weeks of expiry times, slice by slice", async () => {
    const userId = await userWithSessions(0, 4);
    await sql`
      insert into user_sessions (user_id, token_hash, expires_at)
      select ${userId}, md5(random()::text) || md5(random()::text), now() - i * interval '97 minutes'
      from generate_series(1, 300) as i`.execute(db());
    const result = await Session.removeExpired({ batchSize: 7 });
    expect(await counts(userId)).toEqual({ expired: 0, live: 4 });
    expect(result.deleted).toBeGreaterThanOrEqual(300);
    expect(result.complete).toBe(true);
  });

  it("never deletes more than 5,000 rows in one statement", async () => {
    const userId = await userWithSessions(5_003, 2);
    const result = await Session.removeExpired({ batchSize: 1_000_000 });
    expect(result.batches).toBeGreaterThanOrEqual(2);
    expect(await counts(userId)).toEqual({ expired: 0, live: 2 });
  });

  it("lets two runs at once both succeed and share the work", async () => {
    const userId = await userWithSessions(400, 3);
    const runs = await Promise.allSettled([
      Session.removeExpired({ batchSize: 7 }),
      Session.removeExpired({ batchSize: 7 }),
    ]);
    expect(runs.map((run) => run.status)).toEqual(["fulfilled", "fulfilled"]);
    const deleted = runs.reduce((sum, run) => sum + (run.status === "fulfilled" ? run.value.deleted : 0), 0);
    expect(deleted).toBeGreaterThanOrEqual(400);
    expect(await counts(userId)).toEqual({ expired: 0, live: 3 });
  });

  it("runs as the scheduled handler and reports what it removed", async () => {
    const userId = await userWithSessions(12, 1);
    const answer = await handler(undefined, context(60_000));
    expect(answer.deleted).toBeGreaterThanOrEqual(12);
    expect(answer.complete).toBe(true);
    expect(await counts(userId)).toEqual({ expired: 0, live: 1 });
  });

  it("stops before a batch when the Lambda's time runs low", async () => {
    const userId = await userWithSessions(4, 0);
    const answer = await handler(undefined, context(1_000));
    expect(answer).toEqual({ deleted: 0, complete: false });
    expect(await counts(userId)).toEqual({ expired: 4, live: 0 });
    await Session.removeExpired();
  });
});
