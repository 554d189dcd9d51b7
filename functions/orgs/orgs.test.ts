import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { closeDb, db } from "@voxguard/core/db";
import { startApi, type TestApi } from "../../test-support/http.ts";
import { addMember, seedOrg, signUpPersonas, type Personas } from "../../test-support/org-routes.ts";
import { ownersOf } from "../../test-support/tenancy.ts";

let api: TestApi;
let people: Personas;

beforeAll(async () => {
  api = await startApi();
  people = await signUpPersonas(api);
});

afterAll(async () => {
  await api?.close();
  await closeCache();
  await closeDb();
});

const slug = () => `http-${randomUUID()}`;

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { child: value };
  return value;
}

describe("POST /orgs", () => {
  it("creates an organization with the caller as owner and lists it", async () => {
    const s = slug();
    const created = await api.request("POST", "/orgs", {
      token: people.nonMember.token,
      body: { name: "Acme", slug: s, metadata: { region: "eu" } },
    });
    expect(created.status).toBe(201);
    expect(created.body.org).toMatchObject({
      name: "Acme",
      slug: s,
      plan: "free",
      status: "active",
      role: "owner",
      metadata: { region: "eu" },
    });
    expect(created.body.org.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const listed = await api.request("GET", "/orgs", { token: people.nonMember.token });
    expect(listed.body.items.map((org: { id: string }) => org.id)).toContain(created.body.org.id);
    const members = await api.request("GET", `/orgs/${created.body.org.id}/members`, { token: people.nonMember.token });
    expect(members.body).toEqual({
      items: [
        {
          userId: people.nonMember.userId,
          email: people.nonMember.email,
          displayName: "non-member",
          role: "owner",
          createdAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
  });

  it("answers 409 slug_taken for a slug in use", async () => {
    const s = slug();
    expect(
      (await api.request("POST", "/orgs", { token: people.owner.token, body: { name: "One", slug: s } })).status,
    ).toBe(201);
    const again = await api.request("POST", "/orgs", { token: people.admin.token, body: { name: "Two", slug: s } });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, code: "slug_taken" });
  });

  it.each([
    ["a slug with upper case", { name: "X", slug: "Acme" }],
    ["a slug of two characters", { name: "X", slug: "ab" }],
    ["a slug ending in a hyphen", { name: "X", slug: "acme-" }],
    ["no name", { slug: "acme-corp-x" }],
    ["an unknown field", { name: "X", slug: "acme-corp-y", plan: "enterprise" }],
    ["metadata over 32 KiB", { name: "X", slug: "acme-corp-z", metadata: { blob: "x".repeat(40 * 1024) } }],
    ["metadata 11 levels deep", { name: "X", slug: "acme-corp-w", metadata: nested(11) }],
    ["metadata that is an array", { name: "X", slug: "acme-corp-v", metadata: [1] }],
  ])("answers 400 validation_failed for %s", async (_, body) => {
    const answer = await api.request("POST", "/orgs", { token: people.owner.token, body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.code).toBe("validation_failed");
    expect(answer.body.errors.length).toBeGreaterThan(0);
  });

  it("answers 413 for a body over 64 KiB and 400 for a hostile nesting depth", async () => {
    const big = await api.request("POST", "/orgs", {
      token: people.owner.token,
      body: { name: "X", slug: slug(), metadata: { blob: "x".repeat(70 * 1024) } },
    });
    expect(big.status).toBe(413);
    const deep = await api.request("POST", "/orgs", {
      token: people.owner.token,
      rawBody: `{"name":"X","slug":"${slug()}","metadata":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}`,
      headers: { "content-type": "application/json" },
    });
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe("validation_failed");
  });
});

describe("PATCH /orgs/{orgId}", () => {
  it("changes the plan only for platform administrators, who see the org without a role", async () => {
    const org = await seedOrg(people);
    const byOwner = await api.request("PATCH", `/orgs/${org.orgId}`, {
      token: people.owner.token,
      body: { plan: "pro" },
    });
    expect(byOwner.status).toBe(403);
    const byAdmin = await api.request("PATCH", `/orgs/${org.orgId}`, {
      token: people.platformAdmin.token,
      body: { plan: "pro" },
    });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.org).toMatchObject({ plan: "pro", role: null });
    const read = await api.request("GET", `/orgs/${org.orgId}`, { token: people.viewer.token });
    expect(read.body.org).toMatchObject({ plan: "pro", role: "viewer", metadata: { label: "Seeded" } });
  });
});

describe("DELETE /orgs/{orgId}", () => {
  it("cascades to members and resources and leaves an org.deleted event", async () => {
    const org = await seedOrg(people);
    const deleted = await api.request("DELETE", `/orgs/${org.orgId}`, { token: people.owner.token });
    expect(deleted.status).toBe(204);
    for (const path of [
      `/orgs/${org.orgId}`,
      `/orgs/${org.orgId}/resources`,
      `/orgs/${org.orgId}/members`,
      `/orgs/${org.orgId}/resources/${org.resourceId}`,
    ]) {
      expect((await api.request("GET", path, { token: people.owner.token })).status).toBe(404);
    }
    expect((await api.request("GET", `/orgs/${org.orgId}`, { token: people.platformAdmin.token })).status).toBe(404);
    expect(
      await db().selectFrom("organization_members").select("user_id").where("org_id", "=", org.orgId).execute(),
    ).toEqual([]);
    expect(await db().selectFrom("resources").select("id").where("org_id", "=", org.orgId).execute()).toEqual([]);
    const events = await db()
      .selectFrom("audit_log")
      .select(["action", "user_id", "details"])
      .where("org_id", "=", org.orgId)
      .execute();
    expect(events).toEqual([
      {
        action: "org.deleted",
        user_id: people.owner.userId,
        details: expect.objectContaining({ members: 6, resources: 1 }),
      },
    ]);
  });
});

describe("members over HTTP", () => {
  it("has no route that adds a user directly (invitations do), keeps admin an owner's call, and lets a member leave", async () => {
    const org = await seedOrg(people);
    const direct = await api.request("POST", `/orgs/${org.orgId}/members`, {
      token: people.owner.token,
      body: { email: org.outsiderEmail, role: "viewer" },
    });
    expect([404, 405]).toContain(direct.status);
    expect(
      await db()
        .selectFrom("organization_members")
        .select("user_id")
        .where("org_id", "=", org.orgId)
        .where("user_id", "=", org.targetUserId)
        .execute(),
    ).toHaveLength(1);
    const promote = await api.request("PATCH", `/orgs/${org.orgId}/members/${org.targetUserId}`, {
      token: people.admin.token,
      body: { role: "admin" },
    });
    expect(promote.status).toBe(403);
    const leave = await api.request("DELETE", `/orgs/${org.orgId}/members/${people.member.userId}`, {
      token: people.member.token,
    });
    expect(leave.status).toBe(204);
    expect((await api.request("GET", `/orgs/${org.orgId}`, { token: people.member.token })).status).toBe(404);
  });

  it("keeps the last owner", async () => {
    const org = await seedOrg(people);
    // The seeded organization has two owners; the first may leave, the second may not.
    const coOwner = await db()
      .selectFrom("organization_members")
      .select("user_id")
      .where("org_id", "=", org.orgId)
      .where("role", "=", "owner")
      .where("user_id", "!=", people.owner.userId)
      .executeTakeFirstOrThrow();
    expect(
      (await api.request("DELETE", `/orgs/${org.orgId}/members/${coOwner.user_id}`, { token: people.owner.token }))
        .status,
    ).toBe(204);
    const leave = await api.request("DELETE", `/orgs/${org.orgId}/members/${people.owner.userId}`, {
      token: people.owner.token,
    });
    expect(leave.status).toBe(409);
    expect(leave.body.code).toBe("last_owner");
    const demote = await api.request("PATCH", `/orgs/${org.orgId}/members/${people.owner.userId}`, {
      token: people.owner.token,
      body: { role: "admin" },
    });
    expect(demote.body.code).toBe("last_owner");
  });

  it("survives two owners demoting each other at the same moment, 20 times over", async () => {
    for (let round = 0; round < 20; round++) {
      const created = await api.request("POST", "/orgs", {
        token: people.owner.token,
        body: { name: "Race", slug: slug() },
      });
      const orgId = created.body.org.id as string;
      await addMember(orgId, people.admin.userId, "owner");
      const answers = await Promise.all([
        api.request("PATCH", `/orgs/${orgId}/members/${people.admin.userId}`, {
          token: people.owner.token,
          body: { role: "admin" },
        }),
        api.request("PATCH", `/orgs/${orgId}/members/${people.owner.userId}`, {
          token: people.admin.token,
          body: { role: "admin" },
        }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(answers.find((answer) => answer.status === 409)!.body.code).toBe("last_owner");
      expect(await ownersOf(orgId)).toHaveLength(1);
    }
  });
});

describe("GET /orgs/{orgId}/resources pages", () => {
  it("walk the whole list without repeats or gaps and refuse tampered cursors with 400", async () => {
    const org = await seedOrg(people);
    const at = new Date();
    await db()
      .insertInto("resources")
      .values(
        Array.from({ length: 60 }, (_, i) => ({
          org_id: org.orgId,
          type: i % 2 ? "voice.line" : "sip.trunk",
          name: `P${i}`,
          created_at: i < 40 ? at : new Date(at.getTime() - i * 1000),
        })),
      )
      .execute();
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = new URLSearchParams({ limit: "7", ...(cursor ? { cursor } : {}) }).toString();
      const answer = await api.request("GET", `/orgs/${org.orgId}/resources?${query}`, { token: people.viewer.token });
      expect(answer.status).toBe(200);
      names.push(...answer.body.items.map((item: { name: string }) => item.name));
      cursor = answer.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(9);
    expect(names).toHaveLength(61);
    expect(new Set(names).size).toBe(61);

    const first = await api.request("GET", `/orgs/${org.orgId}/resources`, { token: people.viewer.token });
    expect(first.body.items).toHaveLength(50);
    const trunks = await api.request("GET", `/orgs/${org.orgId}/resources?type=sip.trunk&limit=200`, {
      token: people.viewer.token,
    });
    expect(trunks.body.items).toHaveLength(30);

    const valid = (await api.request("GET", `/orgs/${org.orgId}/resources?limit=1`, { token: people.viewer.token }))
      .body.nextCursor as string;
    const tampered = [
      `${valid.slice(0, -2)}zz`,
      "not-a-cursor",
      Buffer.from(`["1","${randomUUID()}"]`).toString("base64url"),
      Buffer.from(`{"id":1}`).toString("base64url"),
      "%00",
    ];
    for (const bad of tampered) {
      const answer = await api.request("GET", `/orgs/${org.orgId}/resources?cursor=${encodeURIComponent(bad)}`, {
        token: people.viewer.token,
      });
      expect([400], `${bad}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
      expect(answer.body.code).toBe("validation_failed");
    }
    for (const limit of ["0", "201", "abc", "-5", "2.5"]) {
      const answer = await api.request("GET", `/orgs/${org.orgId}/resources?limit=${limit}`, {
        token: people.viewer.token,
      });
      expect(answer.status, limit).toBe(400);
    }
    expect(
      (await api.request("GET", `/orgs/${org.orgId}/resources?limit=200`, { token: people.viewer.token })).body.items,
    ).toHaveLength(61);
  });
});
