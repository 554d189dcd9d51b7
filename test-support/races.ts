import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb, db } from "@voxguard/core/db";
import * as Session from "@voxguard/core/session";
import * as Token from "@voxguard/core/token";
import { startApi, type ApiAnswer, type TestApi } from "./http.ts";
import { PASSWORD } from "./identity.ts";
import { createOrg, createUser, ownersOf } from "./tenancy.ts";
import { createThrowawayDatabase, type Isolation, type ThrowawayDatabase } from "./throwaway-database.ts";

/**
 * Every check-then-write the API makes, raced over HTTP: two requests sent at once, ROUNDS times,
 * and after each round the invariant read back from the database. Each run gets a database of its
 * own with the given default isolation, so the same races run on REPEATABLE READ (YugabyteDB's
 * default) and on READ COMMITTED (PostgreSQL's, and YSQL's with its read-committed flag on), and
 * so that "the last active platform administrator" means the two this file makes, not every
 * administrator other test files create at the same time.
 */
export const ROUNDS = 20;

interface Actor {
  userId: string;
  email: string;
  token: string;
}

export function describeRaces(isolation: Isolation): void {
  let database: ThrowawayDatabase;
  let api: TestApi;

  beforeAll(async () => {
    database = await createThrowawayDatabase({
      adminUrl: process.env.TEST_ADMIN_DATABASE_URL,
      prefix: "voxguard_races",
      isolation,
    });
    process.env.DATABASE_URL = database.url;
    process.env.CACHE_KEY_PREFIX = `vgraces:${database.name}:`;
    delete process.env.AUDIT_QUEUE_URL;
    reloadConfig();
    await closeDb();
    await closeCache();
    api = await startApi();
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await closeDb();
    await closeCache();
    await database?.drop();
  });

  async function user(label: string, role: "user" | "admin" = "user"): Promise<Actor> {
    const { actor, email } = await createUser({ label, platformAdmin: role === "admin" });
    // A session straight from core: no password hash to pay for on every round.
    const session = await Session.create({ id: actor.userId, role, status: "active" }, { ip: "203.0.113.40" });
    return { userId: actor.userId, email, token: session.token };
  }

  /** An organization whose two owners are `a` and `b`, written straight to the database. */
  function orgOwnedBy(a: Actor, b: Actor): Promise<string> {
    return createOrg(
      [
        [a, "owner"],
        [b, "owner"],
      ],
      { name: "Race" },
    );
  }

  function statuses(answers: ApiAnswer[]): number[] {
    return answers.map((answer) => answer.status).sort();
  }

  /** Exactly one request won; the other lost with `code` (or, racing its own actor's exit, 404). */
  function expectOneWinner(answers: ApiAnswer[], code: string): void {
    const wins = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
    expect(wins, JSON.stringify(answers.map((answer) => answer.body))).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
      if (answer.status === 409) expect(answer.body.code).toBe(code);
    }
  }

  it(`runs on ${isolation}`, async () => {
    const { rows } = await sql<{ default_transaction_isolation: string }>`SHOW default_transaction_isolation`.execute(
      db(),
    );
    expect(rows[0]!.default_transaction_isolation).toBe(isolation);
  });

  describe("the last owner", () => {
    type Move = (self: Actor, other: Actor, orgId: string) => Promise<ApiAnswer>;
    // Each move takes owner `other` away: `self` demotes or removes it, or `other` leaves. The
    // two moves of a round take different owners away, so only one may succeed.
    const demote: Move = (self, other, orgId) =>
      api.request("PATCH", `/orgs/${orgId}/members/${other.userId}`, { token: self.token, body: { role: "admin" } });
    const remove: Move = (self, other, orgId) =>
      api.request("DELETE", `/orgs/${orgId}/members/${other.userId}`, { token: self.token });
    const leave: Move = (_self, other, orgId) =>
      api.request("DELETE", `/orgs/${orgId}/members/${other.userId}`, { token: other.token });
    const moves = { demote, remove, leave };
    const pairings = (Object.keys(moves) as (keyof typeof moves)[]).flatMap((first, i, all) =>
      all.slice(i).map((second) => [first, second] as const),
    );

    it.each(pairings)(
      `keeps one owner when one owner's %s races the other's %s, ${ROUNDS} times`,
      async (first, second) => {
        for (let round = 0; round < ROUNDS; round++) {
          const [a, b] = await Promise.all([user("owner-a"), user("owner-b")]);
          const orgId = await orgOwnedBy(a, b);
          const answers = await Promise.all([moves[first](a, b, orgId), moves[second](b, a, orgId)]);
          expect(await ownersOf(orgId), JSON.stringify(statuses(answers))).toHaveLength(1);
          expectOneWinner(answers, "last_owner");
        }
      },
    );
  });

  describe("the last active platform administrator", () => {
    type Change = { role: "user" } | { status: "suspended" };
    const demote: Change = { role: "user" };
    const suspend: Change = { status: "suspended" };
    const cases: [string, Change, Change][] = [
      ["demote each other", demote, demote],
      ["suspend each other", suspend, suspend],
      ["one demotes while the other suspends", demote, suspend],
    ];

    it.each(cases)(`keeps one when two administrators %s, ${ROUNDS} times`, async (_name, first, second) => {
      for (let round = 0; round < ROUNDS; round++) {
        // Nobody else is an active administrator in this database: the two below are the last.
        await db().updateTable("users").set({ role: "user" }).where("role", "=", "admin").execute();
        const [a, b] = await Promise.all([user("admin-a", "admin"), user("admin-b", "admin")]);
        const answers = await Promise.all([
          api.request("PATCH", `/admin/users/${b.userId}`, { token: a.token, body: first }),
          api.request("PATCH", `/admin/users/${a.userId}`, { token: b.token, body: second }),
        ]);
        expectOneWinner(answers, "last_admin");
        expect(statuses(answers)).toEqual([200, 409]);
        const active = await db()
          .selectFrom("users")
          .select("id")
          .where("role", "=", "admin")
          .where("status", "=", "active")
          .execute();
        expect(active.map((row) => row.id)).toHaveLength(1);
        // The survivor still works as an administrator.
        const survivor = answers[0]!.status === 200 ? a : b;
        expect((await api.request("GET", "/admin/users?limit=1", { token: survivor.token })).status).toBe(200);
      }
    });
  });

  describe("uniqueness", () => {
    it(`gives a slug to one of two organizations created at once, ${ROUNDS} times`, async () => {
      const [a, b] = await Promise.all([user("slug-a"), user("slug-b")]);
      for (let round = 0; round < ROUNDS; round++) {
        const slug = `same-${randomUUID()}`;
        const answers = await Promise.all(
          [a, b].map((who) => api.request("POST", "/orgs", { token: who.token, body: { name: "Twin", slug } })),
        );
        expect(statuses(answers)).toEqual([201, 409]);
        expectOneWinner(answers, "slug_taken");
        const orgs = await db().selectFrom("organizations").select("id").where("slug", "=", slug).execute();
        expect(orgs).toHaveLength(1);
        // The winner's organization has exactly one member: its creator, as owner.
        const members = await db()
          .selectFrom("organization_members")
          .select(["user_id", "role"])
          .where("org_id", "=", orgs[0]!.id)
          .execute();
        expect(members).toHaveLength(1);
        expect(members[0]!.role).toBe("owner");
      }
    });

    it(`registers an email once when two sign-ups race, ${ROUNDS} times`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const email = `twin-${randomUUID()}@example.test`;
        const answers = await Promise.all(
          [1, 2].map(() =>
            api.request("POST", "/auth/register", { body: { email, password: PASSWORD, displayName: "Twin" } }),
          ),
        );
        expect(statuses(answers)).toEqual([201, 409]);
        expectOneWinner(answers, "email_taken");
        expect(await db().selectFrom("users").select("id").where("email", "=", email).execute()).toHaveLength(1);
      }
    });

    it(`adds a member once when two invitations to the same user are accepted at once, ${ROUNDS} times`, async () => {
      const [a, b] = await Promise.all([user("adder-a"), user("adder-b")]);
      for (let round = 0; round < ROUNDS; round++) {
        const orgId = await orgOwnedBy(a, b);
        const newcomer = await user("newcomer");
        const invited = await api.request("POST", `/orgs/${orgId}/invitations`, {
          token: a.token,
          body: { email: newcomer.email, role: "member" },
        });
        expect(invited.status, JSON.stringify(invited.body)).toBe(201);
        // Two mailed links for one invitation (a resend), followed at once: tokens straight from
        // core, as the mail consumer issues them.
        const tokens = await Promise.all(
          [0, 1].map(() =>
            Token.issue({
              purpose: "invitation",
              email: newcomer.email,
              invitationId: invited.body.invitation.id,
              ttlSeconds: 600,
            }),
          ),
        );
        const answers = await Promise.all(
          tokens.map((token) => api.request("POST", "/invitations/accept", { token: newcomer.token, body: { token } })),
        );
        expectOneWinner(answers, "already_member");
        const rows = await db()
          .selectFrom("organization_members")
          .select("role")
          .where("org_id", "=", orgId)
          .where("user_id", "=", newcomer.userId)
          .execute();
        expect(rows).toEqual([{ role: "member" }]);
      }
    });
  });
}
