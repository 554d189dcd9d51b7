import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { cacheKey } from "@voxguard/core/cache";
import { db } from "@voxguard/core/db";
import { hashToken } from "@voxguard/core/session";
import { PASSWORD, signUp, uniqueEmail } from "../../test-support/identity.ts";
import { auditActions } from "../../test-support/tenancy.ts";
import { useApi } from "../../test-support/use-api.ts";

const api = useApi();

describe("the identity flow", () => {
  it("register → login → me → sessions → revoke → logout", async () => {
    const email = uniqueEmail("Flow").replace("flow", "FLOW");
    const registered = await api.request("POST", "/auth/register", {
      body: { email, password: PASSWORD, displayName: "  Flow Tester  " },
      headers: { "user-agent": "browser one" },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user).toMatchObject({
      email: email.toLowerCase(),
      displayName: "Flow Tester",
      role: "user",
      status: "active",
    });
    expect(Object.keys(registered.body.user).sort()).toEqual([
      "createdAt",
      "displayName",
      "email",
      "emailVerified",
      "id",
      "role",
      "status",
      "updatedAt",
    ]);
    expect(registered.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(registered.body.expiresAt)).toBeGreaterThan(Date.now());
    const userId: string = registered.body.user.id;

    // Logging in with the address in another case finds the same account.
    const login = await api.request("POST", "/auth/login", {
      body: { email: email.toUpperCase(), password: PASSWORD },
      headers: { "user-agent": "browser two" },
    });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(userId);
    const token: string = login.body.token;
    expect(token).not.toBe(registered.body.token);

    const me = await api.request("GET", "/me", { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: registered.body.user });

    const sessions = await api.request("GET", "/auth/sessions", { token });
    expect(sessions.status).toBe(200);
    expect(sessions.body.items).toHaveLength(2);
    const current = sessions.body.items.find((s: { current: boolean }) => s.current);
    const other = sessions.body.items.find((s: { current: boolean }) => !s.current);
    expect(current).toMatchObject({ userAgent: "browser two", ipAddress: "127.0.0.1" });
    expect(other).toMatchObject({ userAgent: "browser one" });
    expect(Object.keys(current).sort()).toEqual([
      "createdAt",
      "current",
      "expiresAt",
      "id",
      "ipAddress",
      "lastUsedAt",
      "userAgent",
    ]);

    // The registration's session is revoked from the login's: it stops working at once.
    expect((await api.request("GET", "/me", { token: registered.body.token })).status).toBe(200);
    const revoked = await api.request("DELETE", `/auth/sessions/${other.id}`, { token });
    expect(revoked.status).toBe(204);
    expect((await api.request("GET", "/me", { token: registered.body.token })).status).toBe(401);
    expect((await api.request("DELETE", `/auth/sessions/${other.id}`, { token })).status).toBe(404);

    const logout = await api.request("POST", "/auth/logout", { token });
    expect(logout.status).toBe(204);
    const after = await api.request("GET", "/me", { token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("unauthorized");
    expect(after.headers.get("content-type")).toContain("application/problem+json");

    expect(await auditActions({ userId })).toEqual(["user.registered", "auth.login", "session.revoked", "auth.logout"]);
  });

  it("revokes every other session, keeping the current one", async () => {
    const { token, email } = await signUp(api);
    const others = await Promise.all(
      [1, 2].map(() => api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })),
    );
    for (const other of others) expect((await api.request("GET", "/me", { token: other.body.token })).status).toBe(200);

    expect((await api.request("DELETE", "/auth/sessions", { token })).status).toBe(204);
    for (const other of others) expect((await api.request("GET", "/me", { token: other.body.token })).status).toBe(401);
    const sessions = await api.request("GET", "/auth/sessions", { token });
    expect(sessions.body.items).toHaveLength(1);
    expect(sessions.body.items[0].current).toBe(true);
  });

  it("answers 404 for somebody else's session", async () => {
    const owner = await signUp(api);
    const stranger = await signUp(api);
    const [session] = (await api.request("GET", "/auth/sessions", { token: owner.token })).body.items;
    expect((await api.request("DELETE", `/auth/sessions/${session.id}`, { token: stranger.token })).status).toBe(404);
    expect((await api.request("GET", "/me", { token: owner.token })).status).toBe(200);
  });

  it("keeps only the token's hash, in the database and in the cache", async () => {
    const { token, user } = await signUp(api);
    const rows = await db().selectFrom("user_sessions").select("token_hash").where("user_id", "=", user.id).execute();
    expect(rows).toEqual([{ token_hash: hashToken(token) }]);
    expect(cacheKey("session", hashToken(token))).not.toContain(token);
  });
});

describe("registration", () => {
  it("answers 409 email_taken for an address already registered, in any case", async () => {
    const { email } = await signUp(api);
    const again = await api.request("POST", "/auth/register", {
      body: { email: email.toUpperCase(), password: PASSWORD, displayName: "Again" },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("email_taken");
  });

  it.each([
    ["a password shorter than 12 characters", { password: "short-pass1" }, "body.password"],
    ["a password longer than 256 characters", { password: "x".repeat(257) }, "body.password"],
    ["an address that isn't one", { email: "not-an-email" }, "body.email"],
    ["an address over 255 characters", { email: `${"a".repeat(250)}@example.test` }, "body.email"],
    ["an empty display name", { displayName: "   " }, "body.displayName"],
    ["a display name over 255 characters", { displayName: "d".repeat(256) }, "body.displayName"],
    ["a missing field", { email: undefined }, "body.email"],
  ])("rejects %s with 400 and the field's path", async (_, change, path) => {
    const body = { email: uniqueEmail(), password: PASSWORD, displayName: "Valid", ...change };
    const answer = await api.request("POST", "/auth/register", { body });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toContain("application/problem+json");
    expect(answer.body).toMatchObject({ status: 400, code: "validation_failed" });
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("accepts passwords of exactly 12 and 256 characters", async () => {
    for (const password of ["p".repeat(12), "p".repeat(256)]) {
      const answer = await api.request("POST", "/auth/register", {
        body: { email: uniqueEmail(), password, displayName: "Edge" },
      });
      expect(answer.status).toBe(201);
    }
  });

  it("rejects a body that isn't JSON", async () => {
    const answer = await api.request("POST", "/auth/register", {
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_json");
  });

  it("stores the password as argon2id with OWASP's parameters", async () => {
    const { user } = await signUp(api);
    const row = await db()
      .selectFrom("users")
      .select("password_hash")
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe("login", () => {
  it("answers an unknown email exactly like a wrong password", async () => {
    const { email, user } = await signUp(api);
    const stranger = uniqueEmail();
    const wrong = await api.request("POST", "/auth/login", { body: { email, password: "wrong password!" } });
    const unknown = await api.request("POST", "/auth/login", {
      body: { email: stranger, password: "wrong password!" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(wrong.body.code).toBe("invalid_credentials");

    const failures = await db()
      .selectFrom("audit_log")
      .select(["user_id", "details", "ip_address"])
      .where("action", "=", "auth.login_failed")
      .select("resource_id")
      .where(sql`details->>'email'`, "in", [email, stranger])
      .orderBy("created_at")
      .execute();
    // Nobody acted: the targeted account is the resource, never user_id ("who acted").
    expect(failures).toEqual([
      { user_id: null, resource_id: user.id, details: { email, reason: "wrong_password" }, ip_address: "127.0.0.1" },
      {
        user_id: null,
        resource_id: null,
        details: { email: stranger, reason: "unknown_email" },
        ip_address: "127.0.0.1",
      },
    ]);
  });

  it("needs a bearer token on session routes", async () => {
    for (const [method, path] of [
      ["GET", "/me"],
      ["GET", "/auth/sessions"],
      ["POST", "/auth/logout"],
      ["DELETE", "/auth/sessions"],
    ] as const) {
      const answer = await api.request(method, path);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe("unauthorized");
    }
    expect((await api.request("GET", "/me", { token: "A".repeat(43) })).status).toBe(401);
  });
});
