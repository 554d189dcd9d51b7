import { afterAll, describe, expect, it } from "vitest";
import type { UserActor } from "@voxguard/core/actor";
import { closeDb, db } from "@voxguard/core/db";
import * as Member from "@voxguard/core/member";
import * as Org from "@voxguard/core/org";
import {
  addMember,
  auditOf,
  createOrgWithRoles,
  createUser,
  ownersOf,
  uniqueSlug,
} from "../../test-support/tenancy.ts";

afterAll(closeDb);

describe("Member.update", () => {
  it("lets an admin manage members and viewers but not admins or owners", async () => {
    const org = await createOrgWithRoles();
    const admin = org.members.admin.actor;
    await expect(
      Member.update(admin, org.id, org.members.member.actor.userId, { role: "viewer" }),
    ).resolves.toMatchObject({ role: "viewer" });
    await expect(
      Member.update(admin, org.id, org.members.viewer.actor.userId, { role: "member" }),
    ).resolves.toMatchObject({ role: "member" });
    await expect(
      Member.update(admin, org.id, org.members.viewer.actor.userId, { role: "admin" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(Member.update(admin, org.id, org.owner.actor.userId, { role: "member" })).rejects.toMatchObject({
      code: "last_owner",
    });
    const second = await createUser();
    await addMember(org.id, second, "owner");
    await expect(Member.update(admin, org.id, second.actor.userId, { role: "member" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const otherAdmin = await createUser();
    await addMember(org.id, otherAdmin, "admin");
    await expect(Member.update(admin, org.id, otherAdmin.actor.userId, { role: "member" })).rejects.toMatchObject({
      code: "forbidden",
    });
    // But an admin may step down.
    await expect(Member.update(admin, org.id, admin.userId, { role: "member" })).resolves.toMatchObject({
      role: "member",
    });

    const events = await auditOf(org.id, "member.updated");
    expect(events[0]!.details).toEqual({ before: { role: "member" }, after: { role: "viewer" } });
    expect(events).toHaveLength(3);
  });

  it("keeps members and viewers from changing roles, their own included", async () => {
    const org = await createOrgWithRoles();
    for (const role of ["member", "viewer"] as const) {
      const actor = org.members[role].actor;
      await expect(Member.update(actor, org.id, actor.userId, { role: "viewer" })).rejects.toMatchObject({
        code: "forbidden",
      });
      await expect(
        Member.update(actor, org.id, org.members.viewer.actor.userId, { role: "member" }),
      ).rejects.toMatchObject({ code: "forbidden" });
    }
  });

  it("lets owners and platform admins do everything but demote the last owner", async () => {
    const org = await createOrgWithRoles();
    await expect(
      Member.update(org.owner.actor, org.id, org.members.admin.actor.userId, { role: "owner" }),
    ).resolves.toMatchObject({ role: "owner" });
    await expect(
      Member.update(org.owner.actor, org.id, org.owner.actor.userId, { role: "viewer" }),
    ).resolves.toMatchObject({ role: "viewer" });
    const platform = await createUser({ platformAdmin: true });
    await expect(
      Member.update(platform.actor, org.id, org.members.admin.actor.userId, { role: "admin" }),
    ).rejects.toMatchObject({ code: "last_owner" });
    await expect(
      Member.update(platform.actor, org.id, org.members.viewer.actor.userId, { role: "owner" }),
    ).resolves.toMatchObject({ role: "owner" });
    expect((await ownersOf(org.id)).sort()).toEqual(
      [org.members.admin.actor.userId, org.members.viewer.actor.userId].sort(),
    );
  });

  it("answers not_found for a user who is not a member of this organization", async () => {
    const org = await createOrgWithRoles();
    const other = await createOrgWithRoles();
    await expect(
      Member.update(org.owner.actor, org.id, other.members.member.actor.userId, { role: "viewer" }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(Member.update(org.owner.actor, org.id, "junk", { role: "viewer" })).rejects.toMatchObject({
      code: "not_found",
    });
    // The other organization's member is untouched.
    const [row] = await db()
      .selectFrom("organization_members")
      .select("role")
      .where("org_id", "=", other.id)
      .where("user_id", "=", other.members.member.actor.userId)
      .execute();
    expect(row).toEqual({ role: "member" });
  });
});

describe("Member.remove", () => {
  it("lets anyone leave, admins remove members and viewers, owners remove anyone", async () => {
    const org = await createOrgWithRoles();
    await Member.remove(org.members.viewer.actor, org.id, org.members.viewer.actor.userId);
    await expect(Member.remove(org.members.member.actor, org.id, org.members.admin.actor.userId)).rejects.toMatchObject(
      { code: "forbidden" },
    );
    const extra = await createUser();
    await addMember(org.id, extra, "admin");
    await expect(Member.remove(org.members.admin.actor, org.id, extra.actor.userId)).rejects.toMatchObject({
      code: "forbidden",
    });
    await Member.remove(org.members.admin.actor, org.id, org.members.member.actor.userId);
    await Member.remove(org.owner.actor, org.id, extra.actor.userId);
    await Member.remove(org.members.admin.actor, org.id, org.members.admin.actor.userId);
    const left = await db().selectFrom("organization_members").select("user_id").where("org_id", "=", org.id).execute();
    expect(left).toEqual([{ user_id: org.owner.actor.userId }]);
    const removed = await auditOf(org.id, "member.removed");
    expect(removed).toHaveLength(4);
    expect(removed[0]!.details).toEqual({ before: { role: "viewer" }, self: true });
    // Gone means gone: the former viewer is an outsider now.
    await expect(Org.fromID(org.members.viewer.actor, org.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("never lets the last owner leave", async () => {
    const org = await createOrgWithRoles();
    await expect(Member.remove(org.owner.actor, org.id, org.owner.actor.userId)).rejects.toMatchObject({
      code: "last_owner",
    });
    const platform = await createUser({ platformAdmin: true });
    await expect(Member.remove(platform.actor, org.id, org.owner.actor.userId)).rejects.toMatchObject({
      code: "last_owner",
    });
    await Member.update(org.owner.actor, org.id, org.members.admin.actor.userId, { role: "owner" });
    await Member.remove(org.owner.actor, org.id, org.owner.actor.userId);
    expect(await ownersOf(org.id)).toEqual([org.members.admin.actor.userId]);
  });

  it("answers not_found to outsiders, also for leaving", async () => {
    const org = await createOrgWithRoles();
    const outsider = await createUser();
    await expect(Member.remove(outsider.actor, org.id, outsider.actor.userId)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(Member.remove(outsider.actor, org.id, org.members.viewer.actor.userId)).rejects.toMatchObject({
      code: "not_found",
    });
  });
});

describe("the last-owner race", () => {
  it.each([
    {
      what: "demote each other",
      rounds: 20,
      race: (a: UserActor, b: UserActor, orgId: string) => [
        Member.update(a, orgId, b.userId, { role: "admin" }),
        Member.update(b, orgId, a.userId, { role: "admin" }),
      ],
    },
    {
      what: "leave",
      rounds: 10,
      race: (a: UserActor, b: UserActor, orgId: string) => [
        Member.remove(a, orgId, a.userId),
        Member.remove(b, orgId, b.userId),
      ],
    },
  ])("never leaves an organization without an owner when two owners $what at once", async ({ rounds, race }) => {
    for (let round = 0; round < rounds; round++) {
      const a = await createUser();
      const b = await createUser();
      const org = await Org.create(a.actor, { name: "Race", slug: uniqueSlug("race") });
      await addMember(org.id, b, "owner");
      const results = await Promise.allSettled(race(a.actor, b.actor, org.id));
      expect(await ownersOf(org.id)).toHaveLength(1);
      // One of the two went ahead; the other was refused as the last owner.
      expect(
        results
          .filter((result) => result.status === "rejected")
          .map((result) => (result as PromiseRejectedResult).reason.code),
      ).toEqual(["last_owner"]);
    }
  });
});

describe("Member.list", () => {
  it("pages through an organization's members for any member, not for outsiders", async () => {
    const org = await createOrgWithRoles();
    for (let i = 0; i < 5; i++) await addMember(org.id, await createUser(), "member");
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await Member.list(org.members.viewer.actor, org.id, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((member) => member.userId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    const outsider = await createUser();
    await expect(Member.list(outsider.actor, org.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Member.list(org.owner.actor, org.id, { cursor: "bm9wZQ" })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});
