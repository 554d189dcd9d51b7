import { performance } from "node:perf_hooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort, startRedisServer, type RedisServer } from "../../test-support/redis-server.ts";
import { until } from "../../test-support/until.ts";
import { reloadConfig } from "../config/index.ts";
import { UnavailableError } from "../error/index.ts";
import * as Cache from "./index.ts";

const sharedUrl = process.env.REDIS_URL;

function useRedis(url: string | undefined): void {
  process.env.REDIS_URL = url ?? "";
  reloadConfig();
}

afterEach(() => useRedis(sharedUrl));
afterAll(() => Cache.closeCache());

/** Runs `test` with the cache on a Redis server of its own, already holding `value` under the key `name`. */
async function withOwnServer(
  name: string,
  value: string,
  test: (server: RedisServer, key: string) => Promise<void>,
): Promise<void> {
  const server = await startRedisServer();
  try {
    useRedis(server.url);
    const key = Cache.cacheKey("cache-test", name);
    expect(await Cache.set(key, value, { ttlMs: 60_000 })).toBe(true);
    await test(server, key);
  } finally {
    await Cache.closeCache();
    await server.stop();
  }
}

describe("the cache client", () => {
  it.each([
    { status: "disabled", without: "without REDIS_URL", url: async () => undefined },
    {
      status: "down",
      without: "for a cache nobody listens on",
      url: async () => `redis://127.0.0.1:${await freePort()}`,
    },
  ])("answers '$status' $without, and its helpers do nothing and swallow the failures", async ({ status, url }) => {
    useRedis(await url());
    expect(await Cache.cache()).toBeUndefined();
    expect(await Cache.cacheStatus()).toBe(status);
    expect(await Cache.get(Cache.cacheKey("x"))).toBeUndefined();
    expect(await Cache.set(Cache.cacheKey("x"), "1", { ttlMs: 1000 })).toBe(false);
    expect(await Cache.del(Cache.cacheKey("x"))).toBeUndefined();
  });

  it("reads and writes under the deployment's prefix", async () => {
    const key = Cache.cacheKey("cache-test", "round-trip");
    expect(key.startsWith(process.env.CACHE_KEY_PREFIX!)).toBe(true);
    expect(await Cache.cacheStatus()).toBe("ok");
    expect(await Cache.set(key, "one", { ttlMs: 10_000 })).toBe(true);
    expect(await Cache.set(key, "two", { ttlMs: 10_000, onlyIfAbsent: true })).toBe(false);
    expect(await Cache.get(key)).toBe("one");
    expect(await Cache.del(key)).toBe(1);
    expect(await Cache.get(key)).toBeNull();
  });

  it("refills only a plain miss: never over a marker, never from a read that began too long ago", async () => {
    const key = Cache.cacheKey("cache-test", "refill");
    const startedAt = performance.now();
    await Cache.del(key);
    await Cache.invalidate([key]);
    expect(await Cache.refill(key, "stale", 10_000, startedAt)).toBe(false);
    expect(await Cache.get(key)).toBe(Cache.INVALIDATED);
    await Cache.del(key);
    expect(await Cache.refill(key, "late", 10_000, startedAt - Cache.REFILL_DEADLINE_MS)).toBe(false);
    expect(await Cache.refill(key, "fresh", 10_000, performance.now())).toBe(true);
    expect(await Cache.get(key)).toBe("fresh");
    await Cache.del(key);
  });

  it("runs scripts by hash, loading them when the server doesn't know them yet", async () => {
    const script = Cache.script(`return redis.call('INCRBY', KEYS[1], ARGV[1])`);
    const key = Cache.cacheKey("cache-test", "script");
    const redis = (await Cache.cache())!;
    await redis.del(key);
    expect(await Cache.runScript(redis, script, [key], [2])).toBe(2);
    expect(await Cache.runScript(redis, script, [key], [3])).toBe(5);
    await redis.del(key);
  });

  it("goes down with its server and is used again once it is back; an invalidation it can't confirm fails", async () => {
    await withOwnServer("outage", "before", async (server, key) => {
      await server.stop();
      expect(await until("the cache to be down", async () => (await Cache.cacheStatus()) === "down" && "down")).toBe(
        "down",
      );
      expect(await Cache.get(key)).toBeUndefined();
      // Nobody can be told: the caller's change must not go ahead.
      await expect(Cache.invalidate([key])).rejects.toBeInstanceOf(UnavailableError);

      await server.start();
      expect(await until("the cache to be ok", async () => (await Cache.cacheStatus()) === "ok" && "ok")).toBe("ok");
      await Cache.invalidate([key]);
      expect(await Cache.get(key)).toBe("invalidated");
      const redis = (await Cache.cache())!;
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(Cache.MARKER_TTL_MS);
    });
  });

  it("confirms an invalidation through a short stall, and refuses one through a long one", async () => {
    await withOwnServer("stall", "cached", async (server, key) => {
      server.pause();
      const timer = setTimeout(() => server.resume(), 300);
      try {
        await Cache.invalidate([key]);
      } finally {
        clearTimeout(timer);
        server.resume();
      }
      expect(await until("the marker to be readable", () => Cache.get(key))).toBe("invalidated");

      server.pause();
      try {
        await expect(Cache.invalidate([key])).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        server.resume();
      }
    });
  });
});
