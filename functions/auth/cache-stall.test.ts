import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheKey } from "@voxguard/core/cache";
import { hashToken } from "@voxguard/core/session";
import type { ApiAnswer } from "../../test-support/http.ts";
import { makePlatformAdmin, PASSWORD, signUp } from "../../test-support/identity.ts";
import { useOwnCacheServer } from "../../test-support/own-cache-server.ts";
import { until } from "../../test-support/until.ts";
import { useApi } from "../../test-support/use-api.ts";

const cache = useOwnCacheServer();
const api = useApi();
/** A second process of the deployment, with its own cache client. */
let other: ChildProcessWithoutNullStreams;
let otherAnswers: AsyncIterator<string>;

beforeAll(() => {
  other = spawn(
    process.execPath,
    ["--import", "tsx", path.resolve(import.meta.dirname, "../../test-support/authenticate-process.ts")],
    {
      env: { ...process.env, LOG_LEVEL: "ERROR" },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  otherAnswers = createInterface({ input: other.stdout })[Symbol.asyncIterator]();
});

afterAll(() => {
  other?.kill();
});

/** What the other process makes of a token. */
async function otherProcess(token: string): Promise<{ ok: boolean; role?: string }> {
  other.stdin.write(`${token}\n`);
  const line = await otherAnswers.next();
  if (line.done) throw new Error("the other process ended");
  return JSON.parse(line.value);
}

interface Case {
  name: string;
  /** Signs the victim in (cached everywhere) and returns the token and how to revoke it. */
  prepare(): Promise<{ token: string; revoke: () => Promise<ApiAnswer>; admin: boolean }>;
}

const CASES: Case[] = [
  {
    name: "logout",
    async prepare() {
      const { token } = await signUp(api);
      return { token, admin: false, revoke: () => api.request("POST", "/auth/logout", { token }) };
    },
  },
  {
    name: "revoking one session",
    async prepare() {
      const { token, email } = await signUp(api);
      const second = (await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).body
        .token as string;
      const sessions = (await api.request("GET", "/auth/sessions", { token })).body.items as {
        id: string;
        current: boolean;
      }[];
      const id = sessions.find((session) => session.current)!.id;
      return { token, admin: false, revoke: () => api.request("DELETE", `/auth/sessions/${id}`, { token: second }) };
    },
  },
  {
    name: "revoking all other sessions",
    async prepare() {
      const { token, email } = await signUp(api);
      const second = (await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).body
        .token as string;
      return { token, admin: false, revoke: () => api.request("DELETE", "/auth/sessions", { token: second }) };
    },
  },
  {
    name: "a password change",
    async prepare() {
      const { token, email } = await signUp(api);
      const second = (await api.request("POST", "/auth/login", { body: { email, password: PASSWORD } })).body
        .token as string;
      return {
        token,
        admin: false,
        revoke: () =>
          api.request("POST", "/me/password", {
            token: second,
            body: { currentPassword: PASSWORD, newPassword: "a different passphrase" },
          }),
      };
    },
  },
  {
    name: "a suspension",
    async prepare() {
      const admin = await signUp(api);
      await makePlatformAdmin(admin.user.id);
      const { token, user } = await signUp(api);
      return {
        token,
        admin: false,
        revoke: () =>
          api.request("PATCH", `/admin/users/${user.id}`, { token: admin.token, body: { status: "suspended" } }),
      };
    },
  },
  {
    name: "a platform admin's demotion",
    async prepare() {
      const admin = await signUp(api);
      await makePlatformAdmin(admin.user.id);
      const { token, user } = await signUp(api);
      await makePlatformAdmin(user.id);
      // As if the promotion's marker had expired: the next read caches the session as an admin's.
      await cache.probe.del(cacheKey("session", hashToken(token)));
      return {
        token,
        admin: true,
        revoke: () => api.request("PATCH", `/admin/users/${user.id}`, { token: admin.token, body: { role: "user" } }),
      };
    },
  },
];

/** Whether the old state is accepted here: the session at all, or (for a demotion) as an admin. */
async function acceptedHere(token: string, admin: boolean): Promise<boolean> {
  const answer = admin
    ? await api.request("GET", "/admin/users?limit=1", { token })
    : await api.request("GET", "/me", { token });
  expect([200, 401, 403]).toContain(answer.status);
  return answer.status === 200;
}

async function acceptedElsewhere(token: string, admin: boolean): Promise<boolean> {
  const answer = await otherProcess(token);
  return answer.ok && (!admin || answer.role === "admin");
}

/** What any process would find in the cache for the token. */
async function cachedOldState(token: string, admin: boolean): Promise<boolean> {
  const raw = await cache.probe.get(cacheKey("session", hashToken(token)));
  if (raw === null || raw === "invalidated") return false;
  const cached = JSON.parse(raw) as { status: string; role: string };
  return cached.status === "active" && (!admin || cached.role === "admin");
}

async function expectRevoked(token: string, admin: boolean): Promise<void> {
  expect(await cachedOldState(token, admin)).toBe(false);
  expect(await acceptedElsewhere(token, admin)).toBe(false);
  expect(await acceptedHere(token, admin)).toBe(false);
  // Once this process uses the cache again (no cool-down after the stall's timeouts) and once the
  // marker is gone, still nothing.
  await until("the cache to be used again", async () =>
    (await api.request("GET", "/health")).body.checks.cache === "ok" ? true : undefined,
  );
  expect(await acceptedHere(token, admin)).toBe(false);
  await cache.probe.del(cacheKey("session", hashToken(token)));
  expect(await acceptedHere(token, admin)).toBe(false);
  expect(await acceptedElsewhere(token, admin)).toBe(false);
}

async function expectUnchanged(token: string, admin: boolean): Promise<void> {
  await until("the cache to be used again", async () =>
    (await api.request("GET", "/health")).body.checks.cache === "ok" ? true : undefined,
  );
  expect(await acceptedHere(token, admin)).toBe(true);
  expect(await acceptedElsewhere(token, admin)).toBe(true);
}

describe("a revocation while the cache is paused (SIGSTOP)", () => {
  for (const { name, prepare } of CASES) {
    it(`${name}: once answered 2xx, the old state is never accepted again, on any process; a 503 changed nothing`, async () => {
      for (const schedule of ["resumed 0.5 s into the revocation", "paused until the revocation answered"] as const) {
        const { token, revoke, admin } = await prepare();
        // Cached everywhere first: the stale copy is what must not come back.
        expect(await acceptedHere(token, admin)).toBe(true);
        expect(await acceptedElsewhere(token, admin)).toBe(true);
        expect(await cachedOldState(token, admin)).toBe(true);

        cache.server.pause();
        let answer: ApiAnswer;
        if (schedule === "resumed 0.5 s into the revocation") {
          const pending = revoke();
          const timer = setTimeout(() => cache.server.resume(), 500);
          try {
            answer = await pending;
          } finally {
            clearTimeout(timer);
            cache.server.resume();
          }
        } else {
          try {
            answer = await revoke();
          } finally {
            cache.server.resume();
          }
          // The cache could not confirm anything while it was stopped.
          expect(answer.status, `${schedule}: ${JSON.stringify(answer.body)}`).toBe(503);
        }

        if (answer.status === 503) {
          expect(answer.body.code).toBe("unavailable");
          await expectUnchanged(token, admin);
          // The client retries once the cache is back, and that revocation holds.
          answer = await revoke();
        }
        expect(answer.status, `${schedule}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
        await expectRevoked(token, admin);
      }
    });
  }
});
