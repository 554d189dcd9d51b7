import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cache, closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import { startApi, type TestApi } from "../../test-support/http.ts";
import { PASSWORD, signUp, uniqueEmail } from "../../test-support/identity.ts";

let api: TestApi;

beforeAll(async () => {
  // Counters of its own: other files of the run share the prefix and log in from 127.0.0.1 too.
  process.env.CACHE_KEY_PREFIX = `${process.env.CACHE_KEY_PREFIX}login-limits:`;
  process.env.LOGIN_LIMIT_PER_ACCOUNT = "3";
  process.env.LOGIN_LIMIT_PER_IP = "6";
  process.env.LOGIN_LIMIT_WINDOW_SECONDS = "600";
  reloadConfig();
  api = await startApi();
});

afterAll(async () => {
  await api.close();
  await closeCache();
  await closeDb();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { code?: string; token?: string };
}

/** A login sent from a loopback address of our choosing: API Gateway's sourceIp is the peer address. */
function loginFrom(localAddress: string, email: string, password: string): Promise<Answer> {
  const url = new URL("/auth/login", api.url);
  const payload = JSON.stringify({ email, password });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", localAddress, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

async function expireCounters(): Promise<void> {
  const redis = (await cache())!;
  for (const key of await redis.keys(`${process.env.CACHE_KEY_PREFIX}login-failures:*`)) await redis.pexpire(key, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("failed logins", () => {
  it("are limited per account: 429 with Retry-After, even for the right password, until the window ends", async () => {
    const { email } = await signUp(api);
    for (let i = 0; i < 3; i++) expect((await loginFrom("127.0.0.2", email, "wrong password!")).status).toBe(401);

    const limited = await loginFrom("127.0.0.2", email, "wrong password!");
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(Number(limited.retryAfter)).toBeGreaterThan(590);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(600);
    // The account is limited from every address, and a correct password doesn't get through.
    expect((await loginFrom("127.0.0.3", email, PASSWORD)).status).toBe(429);

    await expireCounters();
    const after = await loginFrom("127.0.0.2", email, PASSWORD);
    expect(after.status).toBe(200);
    expect(after.body.token).toBeDefined();
  });

  it("are limited per IP across accounts, leaving other addresses alone", async () => {
    const { email } = await signUp(api);
    for (let i = 0; i < 6; i++) expect((await loginFrom("127.0.0.4", uniqueEmail(), "wrong password!")).status).toBe(401);

    const limited = await loginFrom("127.0.0.4", email, PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect((await loginFrom("127.0.0.5", email, PASSWORD)).status).toBe(200);
  });

  it("are counted only when the password is wrong", async () => {
    const { email } = await signUp(api);
    for (let i = 0; i < 5; i++) expect((await loginFrom("127.0.0.6", email, PASSWORD)).status).toBe(200);
  });
});
