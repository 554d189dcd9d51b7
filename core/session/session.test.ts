import { sql, type UpdateObject } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { register } from "../../test-support/identity.ts";
import { until } from "../../test-support/until.ts";
import * as Cache from "../cache/index.ts";
import { config } from "../config/index.ts";
import { closeDb, db, transaction, type Database } from "../db/index.ts";
import * as User from "../user/index.ts";
import * as Session from "./index.ts";

afterAll(async () => {
  await Cache.closeCache();
  await closeDb();
});

const origin = { ip: "203.0.113.20", userAgent: "vitest" };

function keyOf(token: string): string {
  return Cache.cacheKey("session", Session.hashToken(token));
}

async function cached(token: string): Promise<string | null> {
  const redis = await Cache.cache();
  if (!redis) throw new Error("these tests need the cache");
  return redis.get(keyOf(token));
}

async function rejects401(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code: "unauthorized" });
}

async function sessionRow(id: string) {
  return db().selectFrom("user_sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Moves a session's times in the database, where a test cannot wait for them to pass. */
async function setSessionTimes(id: string, times: UpdateObject<Database, "user_sessions">): Promise<void> {
  await db().updateTable("user_sessions").set(times).where("id", "=", id).execute();
}

describe("tokens", () => {
  it("are 32 random bytes in base64url and only their SHA-256 is stored", async () => {
    const { token, actor } = await register();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const row = await sessionRow(actor.sessionId);
    expect(row?.token_hash).toBe(Session.hashToken(token));
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it("validate to the session's user with its role", async () => {
    const { token, user } = await register();
    const actor = await Session.authenticate(token, origin);
    expect(actor).toMatchObject({ type: "user", userId: user.id, role: "user", ip: origin.ip, userAgent: "vitest" });
  });

  it("that were never issued get 401", async () => {
    await rejects401(Session.authenticate("A".repeat(43), origin));
  });
});

describe("the cache", () => {
  it("holds a new session under its token hash, expiring no later than the cache window", async () => {
    const { token, actor } = await register();
    const value = JSON.parse((await cached(token))!);
    expect(value).toMatchObject({ id: actor.sessionId, userId: actor.userId, role: "user", status: "active" });
    const redis = (await Cache.cache())!;
    const ttl = await redis.pttl(keyOf(token));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(config().session.cacheSeconds * 1000);
  });

  it("answers without the database on a hit", async () => {
    const { token, actor } = await register();
    // The row is gone but the entry isn't: a hit never asks the database (revocation writes the
    // marker, which is what makes this safe).
    await db().deleteFrom("user_sessions").where("id", "=", actor.sessionId).execute();
    expect((await Session.authenticate(token, origin)).sessionId).toBe(actor.sessionId);
  });

  it("is refilled from the database after a miss", async () => {
    const { token, actor } = await register();
    await Cache.del(keyOf(token));
    expect(await cached(token)).toBeNull();
    expect((await Session.authenticate(token, origin)).sessionId).toBe(actor.sessionId);
    expect(JSON.parse((await cached(token))!)).toMatchObject({ id: actor.sessionId });
  });

  it("never lets a validation that read the database before a revocation refill the entry after it", async () => {
    const { token, actor } = await register();
    await Cache.del(keyOf(token));

    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inFlight = Session.authenticate(token, origin, {
      afterDatabaseRead: async () => {
        reached();
        await gate;
      },
    });
    await atGate;
    // The validation has read the live row; now the session is revoked and the revocation returns.
    await Session.logout(actor);
    release();
    // It began before the revocation, so it may still succeed itself...
    await inFlight;
    // ...but its refill must not have brought the session back.
    expect(await cached(token)).toBe("invalidated");
    await rejects401(Session.authenticate(token, origin));
  });

  it("answers 401 right after the revocation of a cached session", async () => {
    const { token, actor } = await register();
    await Session.authenticate(token, origin);
    expect(JSON.parse((await cached(token))!)).toMatchObject({ id: actor.sessionId });
    await Session.logout(actor);
    await rejects401(Session.authenticate(token, origin));
  });

  it("carries the user's profile, from a hit and from a refill alike", async () => {
    const { token, user } = await register();
    const profile = {
      email: user.email,
      displayName: user.displayName,
      emailVerified: user.emailVerified,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
    expect((await Session.authenticate(token, origin)).profile).toEqual(profile);
    await Cache.del(keyOf(token));
    expect((await Session.authenticate(token, origin)).profile).toEqual(profile);
    expect(JSON.parse((await cached(token))!).profile).toEqual(profile);
    expect(await User.me((await Session.authenticate(token, origin))!)).toEqual(user);
  });

  it("reads an entry written before sessions carried the whole profile as a miss", async () => {
    const { token, user } = await register();
    const entry = JSON.parse((await cached(token))!);
    const { profile: _, ...withoutProfile } = entry;
    delete entry.profile.emailVerified;
    await db().updateTable("users").set({ email_verified: true }).where("id", "=", user.id).execute();
    const redis = (await Cache.cache())!;
    for (const older of [withoutProfile, entry]) {
      await redis.set(keyOf(token), JSON.stringify(older), "PX", 60_000);
      const actor = await Session.authenticate(token, origin);
      expect(actor.profile).toMatchObject({ email: user.email, emailVerified: true });
      expect(await User.me(actor)).toMatchObject({ id: user.id, emailVerified: true });
    }
  });

  it("reads an entry with a field amiss as a miss, and passes on nothing the entry adds", async () => {
    const { token, user } = await register();
    const entry = JSON.parse((await cached(token))!);
    const redis = (await Cache.cache())!;
    const amiss = [
      { ...entry, role: "root" },
      { ...entry, expiresAt: String(entry.expiresAt) },
      { ...entry, profile: { ...entry.profile, updatedAt: "yesterday" } },
      { ...entry, profile: "x" },
    ];
    for (const wrong of amiss) {
      await db()
        .updateTable("users")
        .set({ display_name: `Read again ${amiss.indexOf(wrong)}` })
        .where("id", "=", user.id)
        .execute();
      await redis.set(keyOf(token), JSON.stringify(wrong), "PX", 60_000);
      const actor = await Session.authenticate(token, origin);
      expect(actor.profile?.displayName).toBe(`Read again ${amiss.indexOf(wrong)}`);
    }
    const extra = { ...entry, secret: 1, profile: { ...entry.profile, passwordHash: "not for the actor" } };
    await redis.set(keyOf(token), JSON.stringify(extra), "PX", 60_000);
    const actor = await Session.authenticate(token, origin);
    // A hit (the name is the entry's, not the database's newer one), and only the known fields.
    expect(actor.profile?.displayName).toBe(entry.profile.displayName);
    expect(Object.keys(actor.profile!).sort()).toEqual([
      "createdAt",
      "displayName",
      "email",
      "emailVerified",
      "updatedAt",
    ]);
  });

  it("caches a new session with a change to its user that was still in flight, not the row from before it", async () => {
    const { user } = await register();
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    let renamer!: number;
    const renaming = transaction(async (tx) => {
      await tx
        .updateTable("users")
        .set({ display_name: "Renamed", updated_at: sql`now()` })
        .where("id", "=", user.id)
        .execute();
      renamer = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx)).rows[0]!.pid;
      reached();
      await gate;
    });
    await atGate;
    // A login meanwhile: it can't finish while the rename is open, and must not cache the old name.
    let settled = false;
    const creating = Session.create({ id: user.id, role: "user", status: "active" }, origin).finally(
      () => (settled = true),
    );
    // On a connection of its own (the pool's are the rename's and the login's): the login waits on
    // the rename's lock.
    const observer = new pg.Client({ connectionString: config().databaseUrl });
    await observer.connect();
    try {
      await until("the login to wait on the rename", async () => {
        const { rows } = await observer.query("select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))", [
          renamer,
        ]);
        return rows.length > 0 ? true : undefined;
      });
    } finally {
      await observer.end();
    }
    expect(settled).toBe(false);
    release();
    await renaming;
    const created = await creating;
    expect((await Session.authenticate(created.token, origin)).profile?.displayName).toBe("Renamed");
  });

  it("does not refill while the invalidation marker lives", async () => {
    const { token, actor } = await register();
    const redis = (await Cache.cache())!;
    await redis.set(keyOf(token), "invalidated", "PX", 60_000);
    // The session itself is fine: the validator asks the database and answers from it...
    expect((await Session.authenticate(token, origin)).sessionId).toBe(actor.sessionId);
    // ...without replacing the marker.
    expect(await cached(token)).toBe("invalidated");
  });
});

describe("expiry", () => {
  it.each([
    {
      what: "idle for longer than the idle timeout",
      times: (): UpdateObject<Database, "user_sessions"> => ({
        last_used_at: sql`now() - make_interval(secs => ${config().session.idleSeconds + 60})`,
        expires_at: sql`now() - interval '60 seconds'`,
      }),
    },
    {
      what: "past its absolute lifetime however recently it was used",
      times: (): UpdateObject<Database, "user_sessions"> => ({
        created_at: sql`now() - make_interval(secs => ${config().session.absoluteSeconds + 60})`,
      }),
    },
  ])("ends a session $what", async ({ times }) => {
    const { token, actor } = await register();
    await setSessionTimes(actor.sessionId, times());
    // The cached copy would have expired with the session; time can't pass in a test, so it goes.
    await Cache.del(keyOf(token));
    await rejects401(Session.authenticate(token, origin));
  });

  it("treats a cached copy past its expiry as expired", async () => {
    const { token } = await register();
    const value = JSON.parse((await cached(token))!);
    const redis = (await Cache.cache())!;
    await redis.set(keyOf(token), JSON.stringify({ ...value, expiresAt: Date.now() - 1000 }), "PX", 60_000);
    await rejects401(Session.authenticate(token, origin));
  });

  it("slides the idle timeout at most once per touch interval", async () => {
    const { token, actor } = await register();
    const before = (await sessionRow(actor.sessionId))!;
    // Used again within the touch interval: nothing is written.
    await Session.authenticate(token, origin);
    expect((await sessionRow(actor.sessionId))!.last_used_at).toEqual(before.last_used_at);

    // Last used two hours ago (both copies): the next use writes.
    await setSessionTimes(actor.sessionId, {
      last_used_at: sql`now() - interval '2 hours'`,
      expires_at: sql`now() + interval '1 day'`,
    });
    const value = JSON.parse((await cached(token))!);
    const stale = { ...value, lastUsedAt: Date.now() - 2 * 3600_000 };
    const redis = (await Cache.cache())!;
    await redis.set(keyOf(token), JSON.stringify(stale), "PX", 60_000);

    await Session.authenticate(token, origin);
    const after = (await sessionRow(actor.sessionId))!;
    expect(after.last_used_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const { idleSeconds, absoluteSeconds } = config().session;
    const expected = Math.min(
      after.last_used_at.getTime() + idleSeconds * 1000,
      before.created_at.getTime() + absoluteSeconds * 1000,
    );
    expect(after.expires_at.getTime()).toBe(expected);
    // The cache entry carries the new time, so the next request doesn't write again.
    expect(JSON.parse((await cached(token))!).lastUsedAt).toBe(after.last_used_at.getTime());
  });

  it("never slides past the absolute lifetime", async () => {
    const { token, actor } = await register();
    const { absoluteSeconds } = config().session;
    // Created almost a lifetime ago and last used two hours ago.
    await setSessionTimes(actor.sessionId, {
      created_at: sql`now() - make_interval(secs => ${absoluteSeconds - 600})`,
      last_used_at: sql`now() - interval '2 hours'`,
    });
    await Cache.del(keyOf(token));
    await Session.authenticate(token, origin);
    const row = (await sessionRow(actor.sessionId))!;
    const remaining = row.expires_at.getTime() - Date.now();
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(600_000);
    // And the cache keeps it no longer than it lives.
    const redis = (await Cache.cache())!;
    expect(await redis.pttl(keyOf(token))).toBeLessThanOrEqual(remaining);
  });
});

describe("revocation", () => {
  it("of one session leaves the others working; somebody else's session is not found", async () => {
    const first = await register();
    const second = await Session.create({ id: first.user.id, role: "user", status: "active" }, origin);
    const stranger = await register();
    await Session.authenticate(second.token, origin);

    await expect(Session.remove(stranger.actor, { sessionId: second.id })).rejects.toMatchObject({ code: "not_found" });
    await Session.remove(first.actor, { sessionId: second.id });
    await rejects401(Session.authenticate(second.token, origin));
    expect((await Session.authenticate(first.token, origin)).sessionId).toBe(first.actor.sessionId);
  });

  it("of the others keeps only the current session", async () => {
    const first = await register();
    const others = await Promise.all(
      [1, 2, 3].map(() => Session.create({ id: first.user.id, role: "user", status: "active" }, origin)),
    );
    expect(await Session.removeOthers(first.actor)).toBe(3);
    for (const other of others) await rejects401(Session.authenticate(other.token, origin));
    const listed = await Session.list(first.actor);
    expect(listed.map((s) => s.id)).toEqual([first.actor.sessionId]);
    expect(listed[0]!.current).toBe(true);
  });

  it("by a rolled-back transaction leaves the session working", async () => {
    const { token, actor } = await register();
    await expect(
      transaction(async () => {
        await Session.removeAllForUser(actor.userId);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    // The markers are written before the commit, so a rollback leaves one: the next reads go to the
    // database (and find the session) until it expires.
    expect(await cached(token)).toBe(Cache.INVALIDATED);
    expect((await Session.authenticate(token, origin)).sessionId).toBe(actor.sessionId);
    expect((await Session.authenticate(token, origin)).sessionId).toBe(actor.sessionId);
  });

  it("of a suspended user's sessions ends them at once", async () => {
    const { token, user } = await register();
    const admin = await register();
    await db().updateTable("users").set({ role: "admin" }).where("id", "=", admin.user.id).execute();
    const adminActor = { ...admin.actor, role: "admin" as const };
    await Session.authenticate(token, origin);
    await User.adminUpdate(adminActor, { userId: user.id }, { status: "suspended" });
    await rejects401(Session.authenticate(token, origin));
  });

  it("leaves a suspended user's stray session unusable", async () => {
    const { token, user } = await register();
    await db().updateTable("users").set({ status: "suspended" }).where("id", "=", user.id).execute();
    await Cache.del(keyOf(token));
    await rejects401(Session.authenticate(token, origin));
  });
});
