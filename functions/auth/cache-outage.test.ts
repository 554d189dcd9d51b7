import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheKey, closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import { hashToken } from "@voxguard/core/session";
import { startApi, type TestApi } from "../../test-support/http.ts";
import { PASSWORD, signUp } from "../../test-support/identity.ts";
import { startRedisServer, type RedisServer } from "../../test-support/redis-server.ts";
import { until } from "../../test-support/until.ts";

let api: TestApi;
let server: RedisServer;
/** The test's own view of the cache server, separate from the app's client. */
let probe: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  process.env.REDIS_URL = server.url;
  reloadConfig();
  await closeCache();
  api = await startApi();
  probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  probe.on("error", () => undefined);
  await probe.connect();
});

afterAll(async () => {
  probe.disconnect();
  await api.close();
  await closeCache();
  await closeDb();
  await server.stop();
});

const sessionKey = (token: string) => cacheKey("session", hashToken(token));

async function health() {
  return api.request("GET", "/health");
}

describe("with the cache killed mid-test", () => {
  it("login and authenticated routes keep answering from the database, and the cache is used again once back", async () => {
    const first = await signUp(api);
    expect((await api.request("GET", "/me", { token: first.token })).status).toBe(200);
    expect(JSON.parse((await probe.get(sessionKey(first.token)))!)).toMatchObject({ userId: first.user.id });
    expect((await health()).body.checks.cache).toBe("ok");

    await server.stop();

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

    await server.start();
    await until("the cache to be reported ok again", async () => (await health()).body.checks.cache === "ok");

    // Once it is back the same revocation goes through, and holds.
    expect((await api.request("POST", "/auth/logout", { token: first.token })).status).toBe(204);
    expect(await probe.get(sessionKey(first.token))).toBe("invalidated");
    expect((await api.request("GET", "/me", { token: first.token })).status).toBe(401);

    // And the cache is used again: a miss refills it, a new session lands in it.
    expect(await probe.get(sessionKey(second))).toBeNull();
    expect((await api.request("GET", "/me", { token: second })).status).toBe(200);
    expect(JSON.parse((await probe.get(sessionKey(second)))!)).toMatchObject({ userId: first.user.id });
    const third = await api.request("POST", "/auth/login", { body: { email: first.email, password: PASSWORD } });
    expect(third.status).toBe(200);
    expect(await probe.get(sessionKey(third.body.token))).not.toBeNull();
  });
});
