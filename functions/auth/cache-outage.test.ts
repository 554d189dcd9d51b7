import { describe, expect, it } from "vitest";
import { cacheKey } from "@voxguard/core/cache";
import { hashToken } from "@voxguard/core/session";
import { PASSWORD, signUp } from "../../test-support/identity.ts";
import { useOwnCacheServer } from "../../test-support/own-cache-server.ts";
import { until } from "../../test-support/until.ts";
import { useApi } from "../../test-support/use-api.ts";

const cache = useOwnCacheServer();
const api = useApi();

const sessionKey = (token: string) => cacheKey("session", hashToken(token));

async function health() {
  return api.request("GET", "/health");
}

describe("with the cache killed mid-test", () => {
  it("login and authenticated routes keep answering from the database, and the cache is used again once back", async () => {
    const first = await signUp(api);
    expect((await api.request("GET", "/me", { token: first.token })).status).toBe(200);
    expect(JSON.parse((await cache.probe.get(sessionKey(first.token)))!)).toMatchObject({ userId: first.user.id });
    expect((await health()).body.checks.cache).toBe("ok");

    await cache.server.stop();

    // Cache gone: everything answers from the database.
    const me = await api.request("GET", "/me", { token: first.token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(first.user.id);
    const login = await api.request("POST", "/auth/login", { body: { email: first.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const second: string = login.body.token;
    expect((await api.request("GET", "/me", { token: second })).status).toBe(200);
    expect((await api.request("GET", "/auth/sessions", { token: second })).body.items).toHaveLength(2);
    expect(
      (await api.request("POST", "/auth/login", { body: { email: first.email, password: "wrong password!" } })).status,
    ).toBe(401);
    const other = await signUp(api);

    // A change the cache's copies would contradict can't be made while nobody can tell the cache:
    // 503, nothing done (a cache that comes back with its old contents would serve them again).
    const revoked = await api.request("POST", "/auth/logout", { token: first.token });
    expect(revoked.status).toBe(503);
    expect(revoked.body.code).toBe("unavailable");
    expect(revoked.headers.get("retry-after")).toBe("1");
    expect((await api.request("GET", "/me", { token: first.token })).status).toBe(200);
    expect((await api.request("PATCH", "/me", { token: other.token, body: { displayName: "Offline" } })).status).toBe(
      503,
    );
    expect((await api.request("GET", "/me", { token: other.token })).body.user.displayName).toBe("Test User");

    const down = await health();
    expect(down.status).toBe(200);
    expect(down.body.status).toBe("degraded");
    expect(down.body.checks).toMatchObject({ db: "ok", cache: "down" });

    await cache.server.start();
    await until("the cache to be reported ok again", async () => (await health()).body.checks.cache === "ok");

    // Once it is back the same revocation goes through, and holds.
    expect((await api.request("POST", "/auth/logout", { token: first.token })).status).toBe(204);
    expect(await cache.probe.get(sessionKey(first.token))).toBe("invalidated");
    expect((await api.request("GET", "/me", { token: first.token })).status).toBe(401);

    // And the cache is used again: a miss refills it, a new session lands in it.
    expect(await cache.probe.get(sessionKey(second))).toBeNull();
    expect((await api.request("GET", "/me", { token: second })).status).toBe(200);
    expect(JSON.parse((await cache.probe.get(sessionKey(second)))!)).toMatchObject({ userId: first.user.id });
    const third = await api.request("POST", "/auth/login", { body: { email: first.email, password: PASSWORD } });
    expect(third.status).toBe(200);
    expect(await cache.probe.get(sessionKey(third.body.token))).not.toBeNull();
  });
});
