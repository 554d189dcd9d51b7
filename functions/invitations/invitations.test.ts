import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@voxguard/core/db";
import { signUp, uniqueEmail, type SignedUp } from "../../test-support/identity.ts";
import { startMailPipeline, tokenIn, type MailPipeline } from "../../test-support/mail.ts";
import { auditActions, auditOf } from "../../test-support/tenancy.ts";
import { useApi } from "../../test-support/use-api.ts";

let mail: MailPipeline;
beforeAll(async () => {
  mail = await startMailPipeline();
});
afterAll(() => mail.close());
const api = useApi({ env: { INVITATION_LIMIT_PER_ORG: "8" } });

/** A user whose verification mail has been read, so the next mail to them is the one a test waits for. */
async function person(email = uniqueEmail("person")): Promise<SignedUp> {
  const user = await signUp(api, { email });
  await mail.nextMail(user.email);
  return user;
}

async function orgOf(owner: SignedUp): Promise<string> {
  const created = await api.request("POST", "/orgs", {
    token: owner.token,
    body: { name: "Invite Co", slug: `invite-${randomUUID()}` },
  });
  expect(created.status).toBe(201);
  return created.body.org.id;
}

async function invite(token: string, orgId: string, email: string, role = "member") {
  return api.request("POST", `/orgs/${orgId}/invitations`, { token, body: { email, role } });
}

describe("invite → mail → accept → member", () => {
  it("makes the invitee a member with the invited role, verifies their address and audits it", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const invitee = await person();
    const created = await invite(owner.token, orgId, invitee.email.toUpperCase(), "viewer");
    expect(created.status).toBe(201);
    expect(created.body.invitation).toMatchObject({
      orgId,
      email: invitee.email,
      role: "viewer",
      invitedBy: owner.user.id,
    });
    expect(Date.parse(created.body.invitation.expiresAt) - Date.parse(created.body.invitation.createdAt)).toBe(
      7 * 24 * 3600 * 1000,
    );
    const pending = await api.request("GET", `/orgs/${orgId}/invitations`, { token: owner.token });
    expect(pending.body.items.map((item: { id: string }) => item.id)).toEqual([created.body.invitation.id]);

    const message = await mail.nextMail(invitee.email);
    expect(message.subject).toContain("Invite Co");
    const token = tokenIn(message);
    expect(message.body.text).toContain(`https://app.voxguard.test/accept-invitation?token=${token}`);
    // Not a member before accepting.
    expect((await api.request("GET", `/orgs/${orgId}`, { token: invitee.token })).status).toBe(404);

    const accepted = await api.request("POST", "/invitations/accept", { token: invitee.token, body: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.org).toMatchObject({ id: orgId, role: "viewer" });
    expect(accepted.body.member).toMatchObject({ userId: invitee.user.id, role: "viewer" });
    expect((await api.request("GET", `/orgs/${orgId}`, { token: invitee.token })).status).toBe(200);
    expect((await api.request("GET", "/me", { token: invitee.token })).body.user.emailVerified).toBe(true);
    expect((await api.request("GET", `/orgs/${orgId}/invitations`, { token: owner.token })).body.items).toEqual([]);
    expect(await auditActions({ orgId })).toEqual(
      expect.arrayContaining(["invitation.created", "member.added", "invitation.accepted"]),
    );

    expect(
      (await api.request("POST", "/invitations/accept", { token: invitee.token, body: { token } })).body.code,
    ).toBe("invalid_token");
  });

  it("answers the same whether or not the address has an account; the newcomer registers, then accepts", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const existing = await person();
    const newcomerEmail = uniqueEmail("newcomer");
    const answers = [await invite(owner.token, orgId, existing.email), await invite(owner.token, orgId, newcomerEmail)];
    expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
    expect(Object.keys(answers[0]!.body.invitation).sort()).toEqual(Object.keys(answers[1]!.body.invitation).sort());
    expect(answers[1]!.body.invitation).toMatchObject({ email: newcomerEmail, role: "member" });

    const token = tokenIn(await mail.nextMail(newcomerEmail));
    const newcomer = await signUp(api, { email: newcomerEmail });
    const accepted = await api.request("POST", "/invitations/accept", { token: newcomer.token, body: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.member).toMatchObject({ userId: newcomer.user.id, role: "member" });
  });

  it("keeps the organization from an attacker who registered the address first, without the mailed token", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const ceoEmail = uniqueEmail("ceo");
    const attacker = await person(ceoEmail);
    expect((await invite(owner.token, orgId, ceoEmail, "admin")).status).toBe(201);
    // The token went to the mailbox, which the attacker does not read; guessing doesn't help.
    for (const token of ["A".repeat(43), "guess", "-".repeat(43)]) {
      const tried = await api.request("POST", "/invitations/accept", { token: attacker.token, body: { token } });
      expect(tried.status).toBe(400);
      expect(tried.body.code).toBe("invalid_token");
    }
    expect((await api.request("GET", `/orgs/${orgId}`, { token: attacker.token })).status).toBe(404);
    expect((await api.request("GET", `/orgs/${orgId}/resources`, { token: attacker.token })).status).toBe(404);
    expect(
      await db()
        .selectFrom("organization_members")
        .select("user_id")
        .where("org_id", "=", orgId)
        .where("user_id", "=", attacker.user.id)
        .execute(),
    ).toEqual([]);
    // The real owner of the mailbox reads the invitation, takes the account back with a password
    // reset (which ends the attacker's sessions) and accepts.
    const invitationToken = tokenIn(await mail.nextMail(ceoEmail));
    expect((await api.request("POST", "/auth/password/forgot", { body: { email: ceoEmail } })).status).toBe(202);
    const resetToken = tokenIn(await mail.nextMail(ceoEmail));
    const reset = await api.request("POST", "/auth/password/reset", {
      body: { token: resetToken, newPassword: "the real ceo's own passphrase" },
    });
    expect(reset.status).toBe(200);
    expect((await api.request("GET", "/me", { token: attacker.token })).status).toBe(401);
    const accepted = await api.request("POST", "/invitations/accept", {
      token: reset.body.token,
      body: { token: invitationToken },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.member.role).toBe("admin");
  });

  it("refuses the right token from another account (403) and leaves it usable for the invitee", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const invitee = await person();
    const someoneElse = await person();
    await invite(owner.token, orgId, invitee.email);
    const token = tokenIn(await mail.nextMail(invitee.email));
    const stolen = await api.request("POST", "/invitations/accept", { token: someoneElse.token, body: { token } });
    expect(stolen.status).toBe(403);
    expect(stolen.body.code).toBe("forbidden");
    expect((await api.request("GET", `/orgs/${orgId}`, { token: someoneElse.token })).status).toBe(404);
    expect((await api.request("POST", "/invitations/accept", { body: { token } })).status).toBe(401);
    expect((await api.request("POST", "/invitations/accept", { token: invitee.token, body: { token } })).status).toBe(
      200,
    );
  });
});

describe("who may invite, and what", () => {
  it("follows the member role rules: admins invite members and viewers, owners anyone; members and outsiders nobody", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const [admin, member, outsider] = [await person(), await person(), await person()];
    for (const [user, role] of [
      [admin, "admin"],
      [member, "member"],
    ] as const) {
      await invite(owner.token, orgId, user.email, role);
      const token = tokenIn(await mail.nextMail(user.email));
      expect((await api.request("POST", "/invitations/accept", { token: user.token, body: { token } })).status).toBe(
        200,
      );
    }
    expect((await invite(admin.token, orgId, uniqueEmail(), "member")).status).toBe(201);
    expect((await invite(admin.token, orgId, uniqueEmail(), "viewer")).status).toBe(201);
    expect((await invite(admin.token, orgId, uniqueEmail(), "admin")).status).toBe(403);
    expect((await invite(admin.token, orgId, uniqueEmail(), "owner")).status).toBe(403);
    expect((await invite(member.token, orgId, uniqueEmail(), "viewer")).status).toBe(403);
    expect((await api.request("GET", `/orgs/${orgId}/invitations`, { token: member.token })).status).toBe(403);
    expect((await invite(outsider.token, orgId, uniqueEmail(), "viewer")).status).toBe(404);
    expect((await api.request("GET", `/orgs/${orgId}/invitations`, { token: outsider.token })).status).toBe(404);
    expect((await invite(owner.token, orgId, uniqueEmail(), "owner")).status).toBe(201);

    const already = await invite(owner.token, orgId, member.email.toUpperCase(), "viewer");
    expect(already.status).toBe(409);
    expect(already.body.code).toBe("already_member");
    expect((await invite(owner.token, orgId, "not an email", "viewer")).body.code).toBe("validation_failed");
    expect((await invite(owner.token, orgId, uniqueEmail(), "boss")).body.code).toBe("validation_failed");
    expect(
      (
        await api.request("POST", `/orgs/${orgId}/invitations`, {
          token: owner.token,
          body: { email: uniqueEmail(), extra: 1 },
        })
      ).status,
    ).toBe(400);
  });

  it("limits invitations per organization", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await invite(owner.token, orgId, uniqueEmail("many"))).status);
    expect(statuses).toEqual([...Array<number>(8).fill(201), 429]);
  });
});

describe("pending invitations", () => {
  it("are revocable; a revoked, replaced or expired invitation's token is refused", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const invitee = await person();

    const first = await invite(owner.token, orgId, invitee.email);
    const firstToken = tokenIn(await mail.nextMail(invitee.email));
    const revoked = await api.request("DELETE", `/orgs/${orgId}/invitations/${first.body.invitation.id}`, {
      token: owner.token,
    });
    expect(revoked.status).toBe(204);
    expect(
      (await api.request("DELETE", `/orgs/${orgId}/invitations/${first.body.invitation.id}`, { token: owner.token }))
        .status,
    ).toBe(404);
    expect(
      (await api.request("POST", "/invitations/accept", { token: invitee.token, body: { token: firstToken } })).body
        .code,
    ).toBe("invalid_token");

    // A second invitation to the same address replaces the pending one.
    await invite(owner.token, orgId, invitee.email, "viewer");
    const replacedToken = tokenIn(await mail.nextMail(invitee.email));
    const third = await invite(owner.token, orgId, invitee.email, "member");
    const thirdToken = tokenIn(await mail.nextMail(invitee.email));
    const listed = await api.request("GET", `/orgs/${orgId}/invitations`, { token: owner.token });
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([third.body.invitation.id]);
    expect(
      (await api.request("POST", "/invitations/accept", { token: invitee.token, body: { token: replacedToken } })).body
        .code,
    ).toBe("invalid_token");

    await db()
      .updateTable("invitations")
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where("id", "=", third.body.invitation.id)
      .execute();
    expect((await api.request("GET", `/orgs/${orgId}/invitations`, { token: owner.token })).body.items).toEqual([]);
    expect(
      (await api.request("POST", "/invitations/accept", { token: invitee.token, body: { token: thirdToken } })).body
        .code,
    ).toBe("invalid_token");
    expect((await api.request("GET", `/orgs/${orgId}`, { token: invitee.token })).status).toBe(404);
    expect(await auditActions({ orgId })).toEqual(expect.arrayContaining(["invitation.revoked"]));
  });

  it("can't be revoked from another organization, nor an owner's invitation by an admin", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const otherOwner = await person();
    const otherOrg = await orgOf(otherOwner);
    const admin = await person();
    await invite(owner.token, orgId, admin.email, "admin");
    expect(
      (
        await api.request("POST", "/invitations/accept", {
          token: admin.token,
          body: { token: tokenIn(await mail.nextMail(admin.email)) },
        })
      ).status,
    ).toBe(200);
    const forOwner = await invite(owner.token, orgId, uniqueEmail(), "owner");
    const id = forOwner.body.invitation.id;
    expect(
      (await api.request("DELETE", `/orgs/${otherOrg}/invitations/${id}`, { token: otherOwner.token })).status,
    ).toBe(404);
    expect((await api.request("DELETE", `/orgs/${orgId}/invitations/${id}`, { token: otherOwner.token })).status).toBe(
      404,
    );
    expect((await api.request("DELETE", `/orgs/${orgId}/invitations/${id}`, { token: admin.token })).status).toBe(403);
    expect(
      (await api.request("GET", `/orgs/${orgId}/invitations`, { token: owner.token })).body.items.map(
        (item: { id: string }) => item.id,
      ),
    ).toContain(id);
  });
});

describe("accepting races", () => {
  it("makes one member of one invitation when its token is sent twice at the same moment, 20 times over", async () => {
    const owner = await person();
    const invitee = await person();
    for (let round = 0; round < 20; round++) {
      const orgId = await orgOf(owner);
      await invite(owner.token, orgId, invitee.email);
      const token = tokenIn(await mail.nextMail(invitee.email));
      const answers = await Promise.all(
        [0, 1].map(() => api.request("POST", "/invitations/accept", { token: invitee.token, body: { token } })),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
      expect(answers.find((answer) => answer.status === 400)!.body.code).toBe("invalid_token");
      expect(await auditOf(orgId, "member.added")).toHaveLength(1);
    }
  });
});
