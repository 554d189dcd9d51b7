import { afterAll, describe, expect, it } from "vitest";
import { closeDb, db } from "@voxguard/core/db";
import * as Org from "@voxguard/core/org";
import * as Resource from "@voxguard/core/resource";
import { auditOf, createOrgWithRoles, createUser, uniqueSlug } from "../../test-support/tenancy.ts";

afterAll(closeDb);

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level++) value = { child: value };
  return value;
}

describe("Org.create", () => {
  it("makes the creator owner in the same transaction and audits the creation", async () => {
    const { actor } = await createUser();
    const slug = uniqueSlug();
    const org = await Org.create(actor, { name: "  Acme  ", slug, metadata: { tier: "gold", apiKey: "s3cret" } });
    expect(org).toMatchObject({
      name: "Acme",
      slug,
      plan: "free",
      status: "active",
      role: "owner",
      metadata: { tier: "gold", apiKey: "s3cret" },
    });
    expect(Org.Info.parse(org)).toEqual(org);
    const member = await db()
      .selectFrom("organization_members")
      .selectAll()
      .where("org_id", "=", org.id)
      .executeTakeFirstOrThrow();
    expect(member).toMatchObject({ user_id: actor.userId, role: "owner" });
    const [event] = await auditOf(org.id, "org.created");
    expect(event).toMatchObject({ user_id: actor.userId, resource_type: "organization", resource_id: org.id });
    expect(event!.details).toEqual({
      after: { name: "Acme", slug, plan: "free", metadata: { tier: "gold", apiKey: "[redacted]" } },
    });
  });

  it("answers slug_taken for a slug in use, leaving nothing behind", async () => {
    const { actor } = await createUser();
    const slug = uniqueSlug();
    await Org.create(actor, { name: "First", slug });
    await expect(Org.create(actor, { name: "Second", slug })).rejects.toMatchObject({ code: "slug_taken" });
    const rows = await db().selectFrom("organizations").select("name").where("slug", "=", slug).execute();
    expect(rows).toEqual([{ name: "First" }]);
  });

  it.each([
    ["too short", "ab"],
    ["upper case", "Acme-corp"],
    ["leading hyphen", "-acme"],
    ["trailing hyphen", "acme-"],
    ["underscore", "acme_corp"],
    ["space", "acme corp"],
    ["101 characters", "a".repeat(101)],
  ])("rejects a slug with %s", async (_, slug) => {
    const { actor } = await createUser();
    await expect(Org.create(actor, { name: "X", slug })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("accepts slugs at both length bounds", async () => {
    const { actor } = await createUser();
    // Each run has a database of its own, so a short random slug is free.
    const random = Math.random().toString(36).slice(2);
    await expect(
      Org.create(actor, { name: "X", slug: `${random.slice(0, 3)}${"a".repeat(97)}` }),
    ).resolves.toMatchObject({ role: "owner" });
    await expect(Org.create(actor, { name: "X", slug: `z${random.slice(0, 1)}9` })).resolves.toMatchObject({
      role: "owner",
    });
  });

  it("bounds metadata: a JSON object of at most 32 KiB and 10 levels", async () => {
    const { actor } = await createUser();
    const create = (metadata: unknown) =>
      Org.create(actor, { name: "X", slug: uniqueSlug(), metadata: metadata as Record<string, unknown> });
    await expect(create(nested(10))).resolves.toMatchObject({ metadata: nested(10) });
    await expect(create(nested(11))).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create(nested(5000))).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create({ big: "x".repeat(32 * 1024) })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create({ fits: "x".repeat(32 * 1024 - 20) })).resolves.toBeTruthy();
    await expect(create([1, 2])).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create("text")).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create({ nul: "a\u0000b" })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create({ "a\u0000": 1 })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create({ lone: "\ud800" })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(create({ n: Number.NaN })).rejects.toMatchObject({ code: "validation_failed" });
    const proto = await create(JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'));
    expect(Object.keys(proto.metadata).sort()).toEqual(["__proto__", "ok"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses anonymous callers", async () => {
    await expect(Org.create({ type: "public" }, { name: "X", slug: uniqueSlug() })).rejects.toMatchObject({
      code: "unauthorized",
    });
  });
});

describe("Org.fromID", () => {
  it("answers every member with their role, a platform admin with none, and everybody else not_found", async () => {
    const org = await createOrgWithRoles();
    await expect(Org.fromID(org.owner.actor, org.id)).resolves.toMatchObject({ id: org.id, role: "owner" });
    for (const [role, member] of Object.entries(org.members)) {
      await expect(Org.fromID(member.actor, org.id)).resolves.toMatchObject({ role });
    }
    const admin = await createUser({ platformAdmin: true });
    await expect(Org.fromID(admin.actor, org.id)).resolves.toMatchObject({ id: org.id, role: null });
    const outsider = await createUser();
    const notMember = await Org.fromID(outsider.actor, org.id).catch((error: unknown) => error);
    const missing = await Org.fromID(outsider.actor, crypto.randomUUID()).catch((error: unknown) => error);
    expect(notMember).toMatchObject({ code: "not_found" });
    // Indistinguishable from an organization that does not exist.
    expect((notMember as Error).message).toBe((missing as Error).message);
    await expect(Org.fromID(admin.actor, crypto.randomUUID())).rejects.toMatchObject({ code: "not_found" });
    await expect(Org.fromID(outsider.actor, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("Org.update", () => {
  it("lets admins and owners change name and metadata, auditing only the changed fields", async () => {
    const org = await createOrgWithRoles();
    await expect(Org.update(org.members.member.actor, org.id, { name: "Nope" })).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(Org.update(org.members.viewer.actor, org.id, { name: "Nope" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const outsider = await createUser();
    await expect(Org.update(outsider.actor, org.id, { name: "Nope" })).rejects.toMatchObject({ code: "not_found" });

    const updated = await Org.update(org.members.admin.actor, org.id, {
      name: "Renamed",
      metadata: { region: "eu", password: "hunter2" },
    });
    expect(updated).toMatchObject({ name: "Renamed", role: "admin", metadata: { region: "eu", password: "hunter2" } });
    const [event] = await auditOf(org.id, "org.updated");
    expect(event!.user_id).toBe(org.members.admin.actor.userId);
    expect(event!.details).toEqual({
      before: { name: "Test Org", metadata: {} },
      after: { name: "Renamed", metadata: { region: "eu", password: "[redacted]" } },
    });

    // Nothing changed (jsonb reorders keys; that is no change either): no event.
    await Org.update(org.owner.actor, org.id, { name: "Renamed", metadata: { password: "hunter2", region: "eu" } });
    expect(await auditOf(org.id, "org.updated")).toHaveLength(1);
  });

  it("lets only platform admins change the plan", async () => {
    const org = await createOrgWithRoles();
    await expect(Org.update(org.owner.actor, org.id, { plan: "enterprise" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const admin = await createUser({ platformAdmin: true });
    await expect(Org.update(admin.actor, org.id, { plan: "enterprise" })).resolves.toMatchObject({
      plan: "enterprise",
      role: null,
    });
  });

  it("rejects empty and unknown patches", async () => {
    const org = await createOrgWithRoles();
    await expect(Org.update(org.owner.actor, org.id, {})).rejects.toMatchObject({ code: "validation_failed" });
    await expect(Org.update(org.owner.actor, org.id, { slug: "new-slug" } as never)).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(Org.update(org.owner.actor, org.id, { name: "" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(Org.update(org.owner.actor, org.id, { name: "x".repeat(256) })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});

describe("Org.remove", () => {
  it("is for owners only and takes members and resources with it", async () => {
    const org = await createOrgWithRoles();
    await Resource.create(org.members.member.actor, org.id, { type: "voice.line", name: "Line 1" });
    await Resource.create(org.members.member.actor, org.id, { type: "voice.line", name: "Line 2" });
    await expect(Org.remove(org.members.admin.actor, org.id)).rejects.toMatchObject({ code: "forbidden" });
    const outsider = await createUser();
    await expect(Org.remove(outsider.actor, org.id)).rejects.toMatchObject({ code: "not_found" });

    await Org.remove(org.owner.actor, org.id);
    const count = async (table: "organizations" | "organization_members" | "resources", column: "id" | "org_id") =>
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where(column, "=", org.id)
          .executeTakeFirstOrThrow()
      ).n;
    expect(await count("organizations", "id")).toBe(0);
    expect(await count("organization_members", "org_id")).toBe(0);
    expect(await count("resources", "org_id")).toBe(0);
    const [event] = await auditOf(org.id, "org.deleted");
    expect(event!.details).toMatchObject({ before: { name: "Test Org" }, members: 4, resources: 2 });
    await expect(Org.fromID(org.owner.actor, org.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("lets a platform admin delete any organization", async () => {
    const org = await createOrgWithRoles();
    const admin = await createUser({ platformAdmin: true });
    await Org.remove(admin.actor, org.id);
    await expect(Org.fromID(admin.actor, org.id)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("Org.list", () => {
  it("pages through the caller's organizations without repeats or gaps", async () => {
    const { actor } = await createUser();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await Org.create(actor, { name: `Org ${i}`, slug: uniqueSlug() })).id);
    const other = await createOrgWithRoles();
    await db()
      .insertInto("organization_members")
      .values({ org_id: other.id, user_id: actor.userId, role: "viewer" })
      .execute();

    const seen: { id: string; role: string | null }[] = [];
    let cursor: string | undefined;
    do {
      const page = await Org.list(actor, { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((org) => ({ id: org.id, role: org.role })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(new Set(seen.map((org) => org.id)).size).toBe(8);
    expect(seen[0]).toEqual({ id: other.id, role: "viewer" });
    expect(seen.slice(1).map((org) => org.id)).toEqual([...created].reverse());
  });

  it("rejects tampered cursors and limits out of bounds", async () => {
    const { actor } = await createUser();
    for (const cursor of [
      "garbage",
      Buffer.from('["x","y"]').toString("base64url"),
      Buffer.from("{}").toString("base64url"),
    ]) {
      await expect(Org.list(actor, { cursor })).rejects.toMatchObject({ code: "validation_failed" });
    }
    for (const limit of [0, 201, -1, 1.5]) {
      await expect(Org.list(actor, { limit })).rejects.toMatchObject({ code: "validation_failed" });
    }
    await expect(Org.list(actor, { limit: 200 })).resolves.toEqual({ items: [], nextCursor: null });
  });
});
