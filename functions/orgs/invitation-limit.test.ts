import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@voxguard/core/db";
import { signUp, uniqueEmail } from "../../test-support/identity.ts";
import { useApi } from "../../test-support/use-api.ts";

const LIMIT = 5;
const api = useApi({
  env: {
    CACHE_KEY_PREFIX: `${process.env.CACHE_KEY_PREFIX}member-add-limit:`,
    MEMBER_ADD_LIMIT_PER_ACTOR: String(LIMIT),
  },
});

async function orgOf(token: string): Promise<string> {
  const answer = await api.request("POST", "/orgs", {
    token,
    body: { name: "Probe", slug: `probe-${randomUUID().slice(0, 8)}` },
  });
  expect(answer.status).toBe(201);
  return answer.body.org.id;
}

describe("POST /orgs/{orgId}/invitations", () => {
  it("is limited per actor: 20 invitations sent at once answer at most the limit, the rest 429, across organizations", async () => {
    const prober = await signUp(api);
    const [first, second] = [await orgOf(prober.token), await orgOf(prober.token)];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.request("POST", `/orgs/${i % 2 ? first : second}/invitations`, {
          token: prober.token,
          body: { email: uniqueEmail("probe"), role: "member" },
        }),
      ),
    );
    const counts: Record<number, number> = {};
    for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    expect(Object.keys(counts).sort()).toEqual(["201", "429"]);
    expect(counts[201]).toBeLessThanOrEqual(LIMIT);
    for (const answer of answers.filter((a) => a.status === 429)) {
      expect(answer.body.code).toBe("rate_limited");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Even a real account is refused now; another actor is not.
    const existing = await signUp(api);
    expect(
      (
        await api.request("POST", `/orgs/${first}/invitations`, {
          token: prober.token,
          body: { email: existing.email, role: "member" },
        })
      ).status,
    ).toBe(429);
    const other = await signUp(api);
    const added = await api.request("POST", `/orgs/${await orgOf(other.token)}/invitations`, {
      token: other.token,
      body: { email: existing.email, role: "member" },
    });
    expect(added.status).toBe(201);
    const events = await db()
      .selectFrom("audit_log")
      .select(["user_id", "details"])
      .where("action", "=", "auth.rate_limited")
      .where("user_id", "=", prober.user.id)
      .execute();
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(3);
    for (const event of events) expect(event.details).toMatchObject({ limit: "member-add" });
  });
});
