import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Cache from "../cache/index.ts";
import { reloadConfig } from "../config/index.ts";
import type { VisibleError } from "../error/index.ts";
import * as RateLimit from "./index.ts";

const redisUrl = process.env.REDIS_URL;

beforeAll(() => {
  // Counters of its own: other files of the run share the prefix and the shared Redis.
  process.env.CACHE_KEY_PREFIX = `${process.env.CACHE_KEY_PREFIX}rate-limit-core:`;
  process.env.LOGIN_LIMIT_PER_ACCOUNT = "3";
  process.env.LOGIN_LIMIT_PER_IP = "5";
  process.env.LOGIN_LIMIT_WINDOW_SECONDS = "900";
  reloadConfig();
});

afterEach(() => {
  process.env.REDIS_URL = redisUrl;
  reloadConfig();
});

afterAll(() => Cache.closeCache());

const account = () => `limit-${randomUUID()}@example.test`;
let lastOctet = 1;
const ip = () => `198.51.100.${lastOctet++}`;

async function limitOf(attempt: RateLimit.LoginAttempt): Promise<VisibleError | undefined> {
  try {
    await RateLimit.check(attempt);
    return undefined;
  } catch (error) {
    return error as VisibleError;
  }
}

async function fail(attempt: RateLimit.LoginAttempt, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await RateLimit.recordFailure(attempt);
}

for (const mode of ["cache", "in-process"] as const) {
  describe(`failed logins (${mode})`, () => {
    beforeAll(async () => {
      if (mode === "in-process") {
        process.env.REDIS_URL = "";
        reloadConfig();
        expect(await Cache.cache()).toBeUndefined();
      } else {
        expect(await Cache.cache()).toBeDefined();
      }
    });
    afterAll(() => {
      process.env.REDIS_URL = redisUrl;
      reloadConfig();
    });
    // afterEach restores REDIS_URL; the in-process run needs it unset for each test.
    const setMode = () => {
      if (mode === "in-process") {
        process.env.REDIS_URL = "";
        reloadConfig();
      }
    };

    it("are limited per account, with the time left in the window", async () => {
      setMode();
      const attempt = { account: account(), ip: ip() };
      await fail(attempt, 2);
      expect(await limitOf(attempt)).toBeUndefined();
      await fail(attempt, 1);
      const error = await limitOf(attempt);
      expect(error?.code).toBe("rate_limited");
      expect(error?.retryAfter).toBeGreaterThan(890);
      expect(error?.retryAfter).toBeLessThanOrEqual(900);
      // The same account from anywhere else is limited too.
      expect((await limitOf({ account: attempt.account, ip: ip() }))?.code).toBe("rate_limited");
      // Another account from the same address is not (yet).
      expect(await limitOf({ account: account(), ip: attempt.ip })).toBeUndefined();
    });

    it("are limited per IP across accounts", async () => {
      setMode();
      const address = ip();
      for (let i = 0; i < 5; i++) await fail({ account: account(), ip: address }, 1);
      expect((await limitOf({ account: account(), ip: address }))?.code).toBe("rate_limited");
      expect(await limitOf({ account: account(), ip: ip() })).toBeUndefined();
    });

    it("count an account case-insensitively", async () => {
      setMode();
      const name = account();
      await fail({ account: name.toUpperCase() }, 3);
      expect((await limitOf({ account: name }))?.code).toBe("rate_limited");
    });

    it("start over after a success on the account, but not on the IP", async () => {
      setMode();
      const address = ip();
      const attempt = { account: account(), ip: address };
      await fail(attempt, 2);
      await RateLimit.recordSuccess(attempt);
      await fail(attempt, 2);
      expect(await limitOf(attempt)).toBeUndefined();
      await fail({ account: account(), ip: address }, 1);
      expect((await limitOf({ account: account(), ip: address }))?.code).toBe("rate_limited");
    });
  });
}

describe("counters in the cache", () => {
  it("always expire, with the window as their TTL", async () => {
    const attempt = { account: account(), ip: ip() };
    await fail(attempt, 1);
    const redis = (await Cache.cache())!;
    const keys = await redis.keys(`${Cache.cacheKey("login-failures")}*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it("end with their window: a correct password then works", async () => {
    const attempt = { account: account(), ip: ip() };
    await fail(attempt, 3);
    expect((await limitOf(attempt))?.code).toBe("rate_limited");
    // The window ends (time can't pass in a test: the counters expire now).
    const redis = (await Cache.cache())!;
    for (const key of await redis.keys(`${Cache.cacheKey("login-failures")}*`)) await redis.pexpire(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await limitOf(attempt)).toBeUndefined();
  });
});
