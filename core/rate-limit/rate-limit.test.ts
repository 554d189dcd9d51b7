import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../actor/index.ts";
import * as Cache from "../cache/index.ts";
import { reloadConfig } from "../config/index.ts";
import { closeDb } from "../db/index.ts";
import type { VisibleError } from "../error/index.ts";
import { startRedisServer } from "../../test-support/redis-server.ts";
import * as RateLimit from "./index.ts";

const redisUrl = process.env.REDIS_URL;

beforeAll(() => {
  // Counters of its own: other files of the run share the prefix and the shared Redis.
  process.env.CACHE_KEY_PREFIX = `${process.env.CACHE_KEY_PREFIX}rate-limit-core:`;
  process.env.LOGIN_LIMIT_PER_ACCOUNT = "3";
  process.env.LOGIN_LIMIT_PER_IP = "5";
  process.env.LOGIN_LIMIT_WINDOW_SECONDS = "900";
  process.env.MEMBER_ADD_LIMIT_PER_ACTOR = "4";
  reloadConfig();
});

afterEach(() => {
  process.env.REDIS_URL = redisUrl;
  reloadConfig();
});

afterAll(async () => {
  await Cache.closeCache();
  await closeDb();
});

const account = () => `limit-${randomUUID()}@example.test`;
let lastOctet = 1;
const ip = () => `198.51.100.${lastOctet++}`;
const actorFrom = (address: string): Actor => ({ type: "public", ip: address });

async function refusalOf(attempt: Promise<unknown>): Promise<VisibleError | undefined> {
  try {
    await attempt;
    return undefined;
  } catch (error) {
    return error as VisibleError;
  }
}

for (const mode of ["cache", "in-process"] as const) {
  describe(`limits (${mode})`, () => {
    // afterEach restores REDIS_URL; the in-process run needs it unset for each test.
    const setMode = async () => {
      process.env.REDIS_URL = mode === "in-process" ? "" : redisUrl;
      reloadConfig();
      if (mode === "in-process") expect(await Cache.cache()).toBeUndefined();
      else expect(await Cache.cache()).toBeDefined();
    };

    it("let exactly the limit through when 40 attempts are taken at once", async () => {
      await setMode();
      const subject = randomUUID();
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, () => refusalOf(RateLimit.take("member-add", subject, { actor: actorFrom(ip()) }))),
      );
      expect(outcomes.filter((outcome) => outcome === undefined)).toHaveLength(4);
      for (const refusal of outcomes.filter((outcome) => outcome !== undefined)) {
        expect(refusal.code).toBe("rate_limited");
        expect(refusal.retryAfter).toBeGreaterThan(3590);
        expect(refusal.retryAfter).toBeLessThanOrEqual(3600);
      }
      // Another subject has its own budget.
      expect(await refusalOf(RateLimit.take("member-add", randomUUID(), { actor: actorFrom(ip()) }))).toBeUndefined();
    });

    it("count password guesses per account and per address, account case-insensitively", async () => {
      await setMode();
      const name = account();
      const address = ip();
      for (let i = 0; i < 3; i++)
        await RateLimit.takePasswordAttempt(i % 2 ? name.toUpperCase() : name, { actor: actorFrom(address) });
      const error = await refusalOf(RateLimit.takePasswordAttempt(name, { actor: actorFrom(ip()) }));
      expect(error?.code).toBe("rate_limited");
      expect(error?.retryAfter).toBeGreaterThan(890);
      expect(error?.retryAfter).toBeLessThanOrEqual(900);
      // The address has two guesses left for other accounts, then it is refused too.
      await RateLimit.takePasswordAttempt(account(), { actor: actorFrom(address) });
      await RateLimit.takePasswordAttempt(account(), { actor: actorFrom(address) });
      expect((await refusalOf(RateLimit.takePasswordAttempt(account(), { actor: actorFrom(address) })))?.code).toBe(
        "rate_limited",
      );
    });

    it("start the account over after a success and give the address its guess back", async () => {
      await setMode();
      const name = account();
      const address = ip();
      for (let round = 0; round < 2; round++) {
        await RateLimit.takePasswordAttempt(name, { actor: actorFrom(address) });
        await RateLimit.takePasswordAttempt(name, { actor: actorFrom(address) });
        await (await RateLimit.takePasswordAttempt(name, { actor: actorFrom(address) })).succeeded();
      }
      // Six guesses from the address, four of them wrong: one more for another account, then no more.
      await RateLimit.takePasswordAttempt(account(), { actor: actorFrom(address) });
      expect((await refusalOf(RateLimit.takePasswordAttempt(account(), { actor: actorFrom(address) })))?.code).toBe(
        "rate_limited",
      );
      // The account itself is not limited: each success started it over.
      expect(await refusalOf(RateLimit.takePasswordAttempt(name, { actor: actorFrom(ip()) }))).toBeUndefined();
    });

    it("give an attempt back that was never checked", async () => {
      await setMode();
      const name = account();
      for (let i = 0; i < 10; i++)
        await (await RateLimit.takePasswordAttempt(name, { actor: actorFrom(ip()) })).giveBack();
      expect(await refusalOf(RateLimit.takePasswordAttempt(name, { actor: actorFrom(ip()) }))).toBeUndefined();
    });
  });
}

describe("a cache that stalls in the middle of a window", () => {
  it("leaves the attempts this process already took counted: a burst after it gets what was left", async () => {
    const server = await startRedisServer();
    try {
      await Cache.closeCache();
      process.env.REDIS_URL = server.url;
      reloadConfig();
      const redis = (await Cache.cache())!;
      expect(await redis.ping()).toBe("PONG");
      const subject = randomUUID();
      for (let i = 0; i < 3; i++) {
        expect(await refusalOf(RateLimit.take("member-add", subject, { actor: actorFrom(ip()) }))).toBeUndefined();
      }
      // Counted in the cache, which then stalls: every command times out.
      expect(await redis.keys(`${Cache.cacheKey("limit", "member-add")}*`)).toHaveLength(1);
      server.pause();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => refusalOf(RateLimit.take("member-add", subject, { actor: actorFrom(ip()) }))),
      );
      // The limit is 4: one left, whichever count answers.
      expect(outcomes.filter((outcome) => outcome === undefined)).toHaveLength(1);
    } finally {
      await Cache.closeCache();
      await server.stop();
    }
  });
});

describe("counters in the cache", () => {
  it("carry the deployment's key prefix and always expire, with the window as their TTL", async () => {
    await RateLimit.takePasswordAttempt(account(), { actor: actorFrom(ip()) });
    const redis = (await Cache.cache())!;
    const keys = await redis.keys(`${Cache.cacheKey("limit")}:*`);
    expect(keys.some((key) => key.startsWith(`${process.env.CACHE_KEY_PREFIX}limit:login-account:`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${process.env.CACHE_KEY_PREFIX}limit:login-ip:`))).toBe(true);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3600 * 1000);
    }
  });
});
