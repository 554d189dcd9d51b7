import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cache, closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb, db } from "@voxguard/core/db";
import { postFrom, startApi, type SourcedAnswer, type TestApi } from "../../test-support/http.ts";
import { PASSWORD, signUp, uniqueEmail } from "../../test-support/identity.ts";
import { until } from "../../test-support/until.ts";

let api: TestApi;
const redisUrl = process.env.REDIS_URL;
const ACCOUNT_LIMIT = 3;
const IP_LIMIT = 6;
const BURST = 30;

beforeAll(async () => {
  // Counters of its own: other files of the run share the prefix and log in from 127.0.0.1 too.
  process.env.CACHE_KEY_PREFIX = `${process.env.CACHE_KEY_PREFIX}login-limits:`;
  process.env.LOGIN_LIMIT_PER_ACCOUNT = String(ACCOUNT_LIMIT);
  process.env.LOGIN_LIMIT_PER_IP = String(IP_LIMIT);
  process.env.LOGIN_LIMIT_WINDOW_SECONDS = "600";
  reloadConfig();
  api = await startApi();
});

afterAll(async () => {
  process.env.REDIS_URL = redisUrl;
  reloadConfig();
  await api.close();
  await closeCache();
  await closeDb();
});

type Answer = SourcedAnswer<{ code?: string; token?: string }>;

const send = (localAddress: string, path: string, body: unknown, token?: string): Promise<Answer> =>
  postFrom(api, localAddress, path, body, token);

const loginFrom = (localAddress: string, email: string, password: string) =>
  send(localAddress, "/auth/login", { email, password });

let nextAddress = 10;
/** A loopback address no other test of this file has used. */
const freshAddress = () => `127.0.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 2}`;

function statuses(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

function expectRefusals(answers: Answer[], limit: number): void {
  const counts = statuses(answers);
  expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(["401", "429"]);
  expect(counts[401], JSON.stringify(counts)).toBeLessThanOrEqual(limit);
  for (const answer of answers.filter((a) => a.status === 429)) {
    expect(answer.body.code).toBe("rate_limited");
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect(Number(answer.retryAfter)).toBeLessThanOrEqual(600);
  }
}

async function expireCounters(): Promise<void> {
  const redis = (await cache())!;
  for (const key of await redis.keys(`${process.env.CACHE_KEY_PREFIX}limit:login-*`)) await redis.pexpire(key, 1);
  await until("the counters to expire", async () =>
    (await redis.keys(`${process.env.CACHE_KEY_PREFIX}limit:login-*`)).length === 0 ? true : undefined,
  );
}

async function eventsOf(action: string, email: string) {
  return db()
    .selectFrom("audit_log")
    .selectAll()
    .where("action", "=", action)
    .where(db().dynamic.ref("details"), "is not", null)
    .execute()
    .then((rows) => rows.filter((row) => (row.details as { email?: string }).email === email));
}

for (const mode of ["cache", "in-process"] as const) {
  describe(`limits (${mode === "cache" ? "counters in Redis" : "REDIS_URL unset: counters in this process"})`, () => {
    beforeAll(async () => {
      process.env.REDIS_URL = mode === "cache" ? redisUrl : "";
      reloadConfig();
      if (mode === "cache") expect(await cache()).toBeDefined();
      else expect(await cache()).toBeUndefined();
    });

    it(`check at most the limit of ${BURST} wrong passwords sent at once for one account, refuse the rest and then the right password`, async () => {
      const { email } = await signUp(api);
      // Each from its own address, so only the account's limit is in play.
      const answers = await Promise.all(
        Array.from({ length: BURST }, () => loginFrom(freshAddress(), email, "wrong password!")),
      );
      expectRefusals(answers, ACCOUNT_LIMIT);
      const right = await loginFrom(freshAddress(), email, PASSWORD);
      expect(right.status).toBe(429);
      expect(Number(right.retryAfter)).toBeGreaterThan(0);
    });

    it(`count wrong current passwords on POST /me/password against the same per-account budget, ${BURST} at once`, async () => {
      const { email, token } = await signUp(api);
      const answers = await Promise.all(
        Array.from({ length: BURST }, () =>
          send(
            freshAddress(),
            "/me/password",
            { currentPassword: "wrong password!", newPassword: "a new passphrase 123" },
            token,
          ),
        ),
      );
      expectRefusals(answers, ACCOUNT_LIMIT);
      // The budget is the account's: logins are refused too, the right password included.
      expect((await loginFrom(freshAddress(), email, PASSWORD)).status).toBe(429);
      expect(
        (
          await send(
            freshAddress(),
            "/me/password",
            { currentPassword: PASSWORD, newPassword: "a new passphrase 123" },
            token,
          )
        ).status,
      ).toBe(429);
      // Each wrong current password checked left an event; the refusals a bounded number.
      const failed = await db()
        .selectFrom("audit_log")
        .select("id")
        .where("action", "=", "user.password_change_failed")
        .where("resource_id", "=", (await api.request("GET", "/me", { token })).body.user.id)
        .execute();
      expect(failed.length).toBe(answers.filter((a) => a.status === 401).length);
    });

    it(`check at most the IP's limit of ${BURST} wrong passwords for different accounts from one address`, async () => {
      const address = freshAddress();
      const answers = await Promise.all(
        Array.from({ length: BURST }, () => loginFrom(address, uniqueEmail(), "wrong password!")),
      );
      expectRefusals(answers, IP_LIMIT);
      const { email } = await signUp(api);
      expect((await loginFrom(address, email, PASSWORD)).status).toBe(429);
      expect((await loginFrom(freshAddress(), email, PASSWORD)).status).toBe(200);
    });

    it("are limited per account from every address, even for the right password", async () => {
      const { email } = await signUp(api);
      const address = freshAddress();
      for (let i = 0; i < ACCOUNT_LIMIT; i++)
        expect((await loginFrom(address, email, "wrong password!")).status).toBe(401);
      const limited = await loginFrom(address, email, "wrong password!");
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe("rate_limited");
      expect(Number(limited.retryAfter)).toBeGreaterThan(590);
      expect(Number(limited.retryAfter)).toBeLessThanOrEqual(600);
      expect((await loginFrom(freshAddress(), email, PASSWORD)).status).toBe(429);
    });

    it("count only wrong passwords: successes give their attempt back", async () => {
      const { email } = await signUp(api);
      const address = freshAddress();
      for (let i = 0; i < IP_LIMIT + 2; i++) expect((await loginFrom(address, email, PASSWORD)).status).toBe(200);
      // A success clears the account's counter, so earlier mistakes don't add up across sign-ins.
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < ACCOUNT_LIMIT - 1; i++)
          expect((await loginFrom(freshAddress(), email, "wrong password!")).status).toBe(401);
        expect((await loginFrom(freshAddress(), email, PASSWORD)).status).toBe(200);
      }
    });

    it("audit refusals as auth.rate_limited, a bounded number however many there were", async () => {
      const { email } = await signUp(api);
      const answers = await Promise.all(
        Array.from({ length: BURST }, () => loginFrom(freshAddress(), email, "wrong password!")),
      );
      const refused = answers.filter((a) => a.status === 429).length;
      expect(refused).toBeGreaterThanOrEqual(BURST - ACCOUNT_LIMIT);
      const events = await until("the refusals' events", async () => {
        const rows = await eventsOf("auth.rate_limited", email);
        return rows.length > 0 ? rows : undefined;
      });
      // The first refusal of the window, then one each time the count doubles: log2, not linear.
      expect(events.length).toBeLessThanOrEqual(Math.ceil(Math.log2(BURST / ACCOUNT_LIMIT)) + 1);
      for (const event of events) {
        expect(event.user_id).toBeNull();
        expect(event.details).toMatchObject({ limit: "login-account", email });
      }
      // Failed logins name nobody as the one who acted; the account is in details.
      const failures = await eventsOf("auth.login_failed", email);
      expect(failures.length).toBe(answers.filter((a) => a.status === 401).length);
      for (const failure of failures) {
        expect(failure.user_id).toBeNull();
        expect(failure.details).toEqual({ email, reason: "wrong_password" });
      }
    });
  });
}

describe("limits in Redis", () => {
  beforeAll(() => {
    process.env.REDIS_URL = redisUrl;
    reloadConfig();
  });

  it("end with their window: the right password then works", async () => {
    const { email } = await signUp(api);
    for (let i = 0; i < ACCOUNT_LIMIT; i++)
      expect((await loginFrom(freshAddress(), email, "wrong password!")).status).toBe(401);
    expect((await loginFrom(freshAddress(), email, PASSWORD)).status).toBe(429);
    await expireCounters();
    const after = await loginFrom(freshAddress(), email, PASSWORD);
    expect(after.status).toBe(200);
    expect(after.body.token).toBeDefined();
  });
});
