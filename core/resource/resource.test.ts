import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb, db } from "@voxguard/core/db";
import * as Resource from "@voxguard/core/resource";
import { auditOf, createOrgWithRoles, createUser } from "../../test-support/tenancy.ts";

afterAll(closeDb);

describe("Resource.create", () => {
  it("lets members and up create, audits with the config's secrets redacted", async () => {
    const org = await createOrgWithRoles();
    const resource = await Resource.create(org.members.member.actor, org.id, {
      type: "voice.line",
      name: "Main line",
      config: { number: "+4930123", webhook: { url: "https://x.test", signingSecret: "abc" } },
    });
    expect(resource).toMatchObject({ orgId: org.id, type: "voice.line", name: "Main line", status: "active" });
    expect(Resource.Info.parse(resource)).toEqual(resource);
    const [event] = await auditOf(org.id, "resource.created");
    expect(event).toMatchObject({
      resource_type: "resource",
      resource_id: resource.id,
      user_id: org.members.member.actor.userId,
    });
    expect(event!.details).toEqual({
      after: {
        type: "voice.line",
        name: "Main line",
        status: "active",
        config: { number: "+4930123", webhook: { url: "https://x.test", signingSecret: "[redacted]" } },
      },
    });
    await expect(
      Resource.create(org.members.viewer.actor, org.id, { type: "voice.line", name: "X" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const outsider = await createUser();
    await expect(Resource.create(outsider.actor, org.id, { type: "voice.line", name: "X" })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it.each([
    ["type starting with a digit", { type: "1line", name: "X" }],
    ["upper-case type", { type: "Voice", name: "X" }],
    ["51-character type", { type: `a${"b".repeat(50)}`, name: "X" }],
    ["empty name", { type: "line", name: "  " }],
    ["256-character name", { type: "line", name: "n".repeat(256) }],
    ["name with a NUL", { type: "line", name: "a\u0000b" }],
    ["array config", { type: "line", name: "X", config: [] }],
    ["config over 32 KiB", { type: "line", name: "X", config: { blob: "é".repeat(16 * 1024) } }],
    [
      "config 11 levels deep",
      {
        type: "line",
        name: "X",
        config: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: 1 } } } } } } } } } } },
      },
    ],
    ["an unknown field", { type: "line", name: "X", orgId: randomUUID() }],
  ])("rejects a %s", async (_, body) => {
    const org = await createOrgWithRoles();
    await expect(Resource.create(org.owner.actor, org.id, body as never)).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("accepts the longest type and name", async () => {
    const org = await createOrgWithRoles();
    const type = `a${"b".repeat(49)}`;
    await expect(Resource.create(org.owner.actor, org.id, { type, name: "n".repeat(255) })).resolves.toMatchObject({
      type,
    });
  });
});

describe("Resource.fromID / update / remove", () => {
  it("finds a resource only through its own organization", async () => {
    const org = await createOrgWithRoles();
    const other = await createOrgWithRoles();
    const mine = await Resource.create(org.owner.actor, org.id, { type: "line", name: "Mine" });
    const theirs = await Resource.create(other.owner.actor, other.id, { type: "line", name: "Theirs" });
    await expect(Resource.fromID(org.members.viewer.actor, org.id, mine.id)).resolves.toEqual(mine);
    // Their id through my organization, where I am owner: still not_found, and nothing changes.
    await expect(Resource.fromID(org.owner.actor, org.id, theirs.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Resource.update(org.owner.actor, org.id, theirs.id, { name: "Hijacked" })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(Resource.remove(org.owner.actor, org.id, theirs.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Resource.fromID(org.owner.actor, other.id, theirs.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Resource.fromID(other.owner.actor, other.id, theirs.id)).resolves.toMatchObject({ name: "Theirs" });
    await expect(Resource.fromID(org.owner.actor, org.id, "nope")).rejects.toMatchObject({ code: "not_found" });
  });

  it("updates name, config and status for members and up, auditing before and after", async () => {
    const org = await createOrgWithRoles();
    const resource = await Resource.create(org.owner.actor, org.id, {
      type: "line",
      name: "Before",
      config: { a: 1, token: "t1" },
    });
    await expect(Resource.update(org.members.viewer.actor, org.id, resource.id, { name: "X" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const updated = await Resource.update(org.members.member.actor, org.id, resource.id, {
      name: "After",
      status: "disabled",
      config: { a: 1, token: "t2" },
    });
    expect(updated).toMatchObject({ name: "After", status: "disabled", config: { a: 1, token: "t2" } });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(resource.updatedAt));
    const [event] = await auditOf(org.id, "resource.updated");
    expect(event!.details).toEqual({
      type: "line",
      before: { name: "Before", status: "active", config: { a: 1, token: "[redacted]" } },
      after: { name: "After", status: "disabled", config: { a: 1, token: "[redacted]" } },
    });
    await expect(
      Resource.update(org.owner.actor, org.id, resource.id, { status: "deleted" as never }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await expect(Resource.update(org.owner.actor, org.id, resource.id, {})).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("lets admins and up delete", async () => {
    const org = await createOrgWithRoles();
    const resource = await Resource.create(org.owner.actor, org.id, { type: "line", name: "Doomed" });
    await expect(Resource.remove(org.members.member.actor, org.id, resource.id)).rejects.toMatchObject({
      code: "forbidden",
    });
    await Resource.remove(org.members.admin.actor, org.id, resource.id);
    await expect(Resource.fromID(org.owner.actor, org.id, resource.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Resource.remove(org.members.admin.actor, org.id, resource.id)).rejects.toMatchObject({
      code: "not_found",
    });
    const [event] = await auditOf(org.id, "resource.deleted");
    expect(event).toMatchObject({ resource_id: resource.id, resource_type: "resource" });
    expect(event!.details).toEqual({ before: { type: "line", name: "Doomed", status: "active", config: {} } });
  });
});

describe("credentials in a resource's config", () => {
  it("never reach the trail, by value: created, updated and deleted keep only their redacted form", async () => {
    const org = await createOrgWithRoles();
    const secret = "PASSWORD-7f3a";
    const config = {
      url: `postgres://svc:${secret}@db/app`,
      dsn: "https://k@o1.ingest.example/1",
      nested: [{ note: `Bearer tok_${secret}` }],
      region: "eu",
    };
    const resource = await Resource.create(org.owner.actor, org.id, { type: "db", name: "Main", config });
    // The resource itself keeps what the client sent.
    expect(resource.config).toEqual(config);
    await Resource.update(org.owner.actor, org.id, resource.id, { config: { ...config, region: "us" } });
    await Resource.remove(org.owner.actor, org.id, resource.id);
    const events = [
      ...(await auditOf(org.id, "resource.created")),
      ...(await auditOf(org.id, "resource.updated")),
      ...(await auditOf(org.id, "resource.deleted")),
    ];
    expect(events).toHaveLength(3);
    for (const event of events) expect(JSON.stringify(event.details)).not.toContain(secret);
    expect(events[0]!.details).toEqual({
      after: {
        type: "db",
        name: "Main",
        status: "active",
        config: {
          url: "postgres://svc:[redacted]@db/app",
          dsn: "[redacted]",
          nested: [{ note: "Bearer [redacted]" }],
          region: "eu",
        },
      },
    });
    expect((events[1]!.details as { after: unknown }).after).toEqual({
      config: {
        url: "postgres://svc:[redacted]@db/app",
        dsn: "[redacted]",
        nested: [{ note: "Bearer [redacted]" }],
        region: "us",
      },
    });
  });
});

describe("Resource.list", () => {
  it("pages by (created_at, id) without repeats or gaps, even among equal timestamps", async () => {
    const org = await createOrgWithRoles();
    const other = await createOrgWithRoles();
    // Many rows share one created_at: only the id tie-breaker keeps pages apart.
    const at = new Date("2024-05-01T10:00:00.123456Z");
    const rows = Array.from({ length: 45 }, (_, i) => ({
      org_id: org.id,
      type: i % 3 === 0 ? "sip.trunk" : "voice.line",
      name: `R${i}`,
      status: i % 5 === 0 ? "disabled" : "active",
      created_at: i < 30 ? at : new Date(at.getTime() + i * 1000),
    }));
    await db().insertInto("resources").values(rows).execute();
    await db().insertInto("resources").values({ org_id: other.id, type: "voice.line", name: "Other" }).execute();

    const walk = async (query: Resource.ListQuery) => {
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await Resource.list(org.members.viewer.actor, org.id, { ...query, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(Number(query.limit ?? 50));
        for (const item of page.items) expect(item.orgId).toBe(org.id);
        names.push(...page.items.map((item) => item.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return names;
    };
    for (const limit of [1, 7, 50, 200]) {
      const names = await walk({ limit });
      expect(names).toHaveLength(45);
      expect(new Set(names).size).toBe(45);
    }
    const all = await walk({ limit: 200 });
    expect(all.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, i) => `R${44 - i}`));

    // Each filter, alone and together, over several pages: exactly the rows it matches.
    const filters: [Resource.ListQuery, (row: (typeof rows)[number]) => boolean][] = [
      [{ limit: 4, type: "sip.trunk" }, (row) => row.type === "sip.trunk"],
      [{ limit: 4, status: "disabled" }, (row) => row.status === "disabled"],
      [
        { limit: 2, type: "sip.trunk", status: "disabled" },
        (row) => row.status === "disabled" && row.type === "sip.trunk",
      ],
    ];
    for (const [query, matches] of filters) {
      const expected = rows
        .filter(matches)
        .map((row) => row.name)
        .sort();
      expect((await walk(query)).sort(), JSON.stringify(query)).toEqual(expected);
    }
  });

  it("rejects bad filters, tampered cursors and limits out of bounds; hides the list from outsiders", async () => {
    const org = await createOrgWithRoles();
    const viewer = org.members.viewer.actor;
    await expect(Resource.list(viewer, org.id, { status: "gone" as never })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(Resource.list(viewer, org.id, { type: "Bad Type" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    const tampered = [
      "%%%",
      Buffer.from("[]").toString("base64url"),
      Buffer.from(`["2024-01-01T00:00:00Z","not-a-uuid"]`).toString("base64url"),
      Buffer.from(`["yesterday","${randomUUID()}"]`).toString("base64url"),
      Buffer.from(`["2024-01-01T00:00:00Z'; drop table resources; --","${randomUUID()}"]`).toString("base64url"),
      // Date.parse takes these; PostgreSQL would not.
      Buffer.from(`["1","${randomUUID()}"]`).toString("base64url"),
      Buffer.from(`["2024-02-30 10:00:00+00","${randomUUID()}"]`).toString("base64url"),
      Buffer.from(`["+275760-09-13T00:00:00.000Z","${randomUUID()}"]`).toString("base64url"),
      "x".repeat(600),
    ];
    for (const cursor of tampered) {
      await expect(Resource.list(viewer, org.id, { cursor })).rejects.toMatchObject({ code: "validation_failed" });
    }
    for (const limit of [0, 201]) {
      await expect(Resource.list(viewer, org.id, { limit })).rejects.toMatchObject({ code: "validation_failed" });
    }
    const outsider = await createUser();
    await expect(Resource.list(outsider.actor, org.id)).rejects.toMatchObject({ code: "not_found" });
  });
});
