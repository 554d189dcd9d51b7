import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@voxguard/core/db";
import { PASSWORD, makePlatformAdmin, signUp, uniqueEmail, type SignedUp } from "../../test-support/identity.ts";
import { useApi } from "../../test-support/use-api.ts";

const api = useApi();
let admin: SignedUp;

beforeAll(async () => {
  admin = await signUp(api, { displayName: "Platform Admin" });
  await makePlatformAdmin(admin.user.id);
});

describe("GET /admin/users", () => {
  it("is for platform administrators only", async () => {
    const { token } = await signUp(api);
    const answer = await api.request("GET", "/admin/users", { token });
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe("forbidden");
    expect((await api.request("GET", "/admin/users")).status).toBe(401);
  });

  it("finds users by email or display name, newest first, page by page", async () => {
    const tag = randomUUID().slice(0, 8);
    const byEmail = await signUp(api, { email: uniqueEmail(`find-${tag}`) });
    const byName = await signUp(api, { displayName: `Name ${tag.toUpperCase()}` });
    await signUp(api, { displayName: "Unrelated" });

    const found = await api.request("GET", `/admin/users?q=${tag}`, { token: admin.token });
    expect(found.status).toBe(200);
    expect(found.body.items.map((u: { id: string }) => u.id)).toEqual([byName.user.id, byEmail.user.id]);
    expect(found.body.nextCursor).toBeNull();

    const first = await api.request("GET", `/admin/users?q=${tag}&limit=1`, { token: admin.token });
    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([byName.user.id]);
    const second = await api.request("GET", `/admin/users?q=${tag}&limit=1&cursor=${first.body.nextCursor}`, {
      token: admin.token,
    });
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([byEmail.user.id]);
    expect(second.body.nextCursor).toBeNull();
  });

  it("takes % and _ in q literally", async () => {
    const answer = await api.request("GET", `/admin/users?q=${encodeURIComponent("%_%")}`, { token: admin.token });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([]);
  });

  it("rejects a limit over 200 and a cursor it didn't issue", async () => {
    expect((await api.request("GET", "/admin/users?limit=201", { token: admin.token })).body.errors[0].path).toBe(
      "query.limit",
    );
    const bad = await api.request("GET", "/admin/users?cursor=garbage", { token: admin.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("query.cursor");
  });
});

describe("PATCH /admin/users/{userId}", () => {
  it("suspending revokes every session; the user can't log in until reactivated", async () => {
    const target = await signUp(api);
    const other = (await api.request("POST", "/auth/login", { body: { email: target.email, password: PASSWORD } })).body
      .token;
    expect((await api.request("GET", "/me", { token: target.token })).status).toBe(200);

    const suspended = await api.request("PATCH", `/admin/users/${target.user.id}`, {
      token: admin.token,
      body: { status: "suspended" },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body.user).toMatchObject({ id: target.user.id, status: "suspended" });
    expect((await api.request("GET", "/me", { token: target.token })).status).toBe(401);
    expect((await api.request("GET", "/me", { token: other })).status).toBe(401);
    expect(await db().selectFrom("user_sessions").select("id").where("user_id", "=", target.user.id).execute()).toEqual(
      [],
    );

    const refused = await api.request("POST", "/auth/login", { body: { email: target.email, password: PASSWORD } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("account_suspended");
    // Only the right password learns of the suspension.
    expect(
      (await api.request("POST", "/auth/login", { body: { email: target.email, password: "wrong password!" } })).status,
    ).toBe(401);

    expect(
      (await api.request("PATCH", `/admin/users/${target.user.id}`, { token: admin.token, body: { status: "active" } }))
        .status,
    ).toBe(200);
    expect(
      (await api.request("POST", "/auth/login", { body: { email: target.email, password: PASSWORD } })).status,
    ).toBe(200);

    const events = await db()
      .selectFrom("audit_log")
      .select(["user_id", "details"])
      .where("action", "=", "admin.user_updated")
      .where("resource_id", "=", target.user.id)
      .orderBy("created_at")
      .execute();
    expect(events).toEqual([
      {
        user_id: admin.user.id,
        details: { before: { status: "active" }, after: { status: "suspended" }, sessionsRevoked: 2 },
      },
      { user_id: admin.user.id, details: { before: { status: "suspended" }, after: { status: "active" } } },
    ]);
  });

  it("a role change takes effect on the user's cached sessions at once", async () => {
    const target = await signUp(api);
    expect((await api.request("GET", "/admin/users", { token: target.token })).status).toBe(403);
    expect((await api.request("GET", "/me", { token: target.token })).body.user.role).toBe("user");

    const promoted = await api.request("PATCH", `/admin/users/${target.user.id}`, {
      token: admin.token,
      body: { role: "admin" },
    });
    expect(promoted.body.user.role).toBe("admin");
    expect((await api.request("GET", "/admin/users", { token: target.token })).status).toBe(200);
    expect((await api.request("GET", "/me", { token: target.token })).body.user.role).toBe("admin");
    // The session's cached profile went with it: updatedAt too.
    expect((await api.request("GET", "/me", { token: target.token })).body.user).toEqual(promoted.body.user);

    await api.request("PATCH", `/admin/users/${target.user.id}`, { token: admin.token, body: { role: "user" } });
    expect((await api.request("GET", "/admin/users", { token: target.token })).status).toBe(403);
    expect((await api.request("GET", "/me", { token: target.token })).body.user.role).toBe("user");
  });

  it("answers 404 for an unknown user, 400 for an empty change or unknown values, 409 on oneself", async () => {
    expect(
      (
        await api.request("PATCH", `/admin/users/${randomUUID()}`, {
          token: admin.token,
          body: { status: "suspended" },
        })
      ).status,
    ).toBe(404);
    const target = await signUp(api);
    const empty = await api.request("PATCH", `/admin/users/${target.user.id}`, { token: admin.token, body: {} });
    expect(empty.status).toBe(400);
    const unknown = await api.request("PATCH", `/admin/users/${target.user.id}`, {
      token: admin.token,
      body: { status: "banned" },
    });
    expect(unknown.body.errors[0].path).toBe("body.status");
    expect(
      (await api.request("PATCH", "/admin/users/not-a-uuid", { token: admin.token, body: { role: "admin" } })).body
        .errors[0].path,
    ).toBe("path.userId");
    const self = await api.request("PATCH", `/admin/users/${admin.user.id}`, {
      token: admin.token,
      body: { status: "suspended" },
    });
    expect(self.status).toBe(409);
  });

  it("is for platform administrators only", async () => {
    const { token, user } = await signUp(api);
    expect((await api.request("PATCH", `/admin/users/${user.id}`, { token, body: { role: "admin" } })).status).toBe(
      403,
    );
  });
});
