import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@voxguard/core/db";
import { hashToken } from "@voxguard/core/token";
import { PASSWORD, signUp, uniqueEmail } from "../../test-support/identity.ts";
import { startMailPipeline, tokenIn, type MailPipeline } from "../../test-support/mail.ts";
import { auditActions } from "../../test-support/tenancy.ts";
import { useApi } from "../../test-support/use-api.ts";

let mail: MailPipeline;
beforeAll(async () => {
  mail = await startMailPipeline();
});
afterAll(() => mail.close());
const api = useApi({
  // Every request here comes from 127.0.0.1: the per-IP limit is tested in core.
  env: { EMAIL_RESEND_LIMIT: "2", PASSWORD_FORGOT_LIMIT_PER_ACCOUNT: "3", PASSWORD_FORGOT_LIMIT_PER_IP: "100000" },
});

/** Puts a mailed token's expiry in the past, as if its time had run out. */
async function expire(token: string): Promise<void> {
  const { numUpdatedRows } = await db()
    .updateTable("one_time_tokens")
    .set({ expires_at: sql<Date>`now() - interval '1 second'` })
    .where("token_hash", "=", hashToken(token))
    .executeTakeFirst();
  expect(numUpdatedRows).toBe(1n);
}

const INVALID = { status: 400, code: "invalid_token" };
const problemOf = (answer: { status: number; body: { code?: string; detail?: string } }) => ({
  status: answer.status,
  code: answer.body.code,
  detail: answer.body.detail,
});

describe("email verification", () => {
  it("register → verification mail → verify; the link works once", async () => {
    const user = await signUp(api, { displayName: "Vera <b>" });
    expect(user.user.emailVerified).toBe(false);
    const message = await mail.nextMail(user.email);
    expect(message.from).toBe("VoxGuard Test <no-reply@voxguard.test>");
    expect(message.subject).toMatch(/confirm your email/i);
    const token = tokenIn(message);
    expect(message.body.text).toContain(`https://app.voxguard.test/verify-email?token=${token}`);
    // The HTML part carries the same link, and the display name escaped.
    expect(message.body.html).toContain(`token=${token}`);
    expect(message.body.html).toContain("Vera &#60;b&#62;");
    // Only the hash is stored.
    expect(
      await db().selectFrom("one_time_tokens").select("token_hash").where("token_hash", "=", token).execute(),
    ).toEqual([]);

    const verified = await api.request("POST", "/auth/email/verify", { body: { token } });
    expect(verified.status).toBe(200);
    expect(verified.body.user).toMatchObject({ id: user.user.id, emailVerified: true });
    expect((await api.request("GET", "/me", { token: user.token })).body.user.emailVerified).toBe(true);
    expect(await auditActions({ userId: user.user.id })).toContain("user.email_verified");

    const again = await api.request("POST", "/auth/email/verify", { body: { token } });
    expect(problemOf(again)).toMatchObject(INVALID);
  });

  it("answers unknown, used, expired and malformed tokens alike, and changes nothing", async () => {
    const user = await signUp(api);
    const token = tokenIn(await mail.nextMail(user.email));
    await expire(token);
    const expired = await api.request("POST", "/auth/email/verify", { body: { token } });
    const unknown = await api.request("POST", "/auth/email/verify", { body: { token: "x".repeat(43) } });
    const malformed = await api.request("POST", "/auth/email/verify", { body: { token: "not a token" } });
    expect(problemOf(expired)).toMatchObject(INVALID);
    expect(problemOf(unknown)).toEqual(problemOf(expired));
    expect(problemOf(malformed)).toEqual(problemOf(expired));
    expect((await api.request("GET", "/me", { token: user.token })).body.user.emailVerified).toBe(false);
    expect((await api.request("POST", "/auth/email/verify", { body: {} })).status).toBe(400);
  });

  it("resends a new link on request, limited per account", async () => {
    const user = await signUp(api);
    const first = tokenIn(await mail.nextMail(user.email));
    const resent = await api.request("POST", "/auth/email/resend", { token: user.token });
    expect(resent.status).toBe(202);
    const second = tokenIn(await mail.nextMail(user.email));
    expect(second).not.toBe(first);
    expect((await api.request("POST", "/auth/email/resend", { token: user.token })).status).toBe(202);
    const limited = await api.request("POST", "/auth/email/resend", { token: user.token });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Both links are valid until used.
    expect((await api.request("POST", "/auth/email/verify", { body: { token: first } })).status).toBe(200);
    expect((await api.request("POST", "/auth/email/resend")).status).toBe(401);
  });
});

describe("password reset", () => {
  it("forgot → mail → reset: old sessions 401, the new token works, the address is verified, a notice is mailed", async () => {
    const user = await signUp(api);
    await mail.nextMail(user.email); // the verification mail
    const other = await api.request("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(other.status).toBe(200);

    const forgot = await api.request("POST", "/auth/password/forgot", { body: { email: user.email.toUpperCase() } });
    expect(forgot.status).toBe(202);
    const message = await mail.nextMail(user.email);
    expect(message.subject).toMatch(/reset your voxguard password/i);
    const token = tokenIn(message);
    expect(message.body.text).toContain(`https://app.voxguard.test/reset-password?token=${token}`);

    const newPassword = `${PASSWORD} renewed`;
    const reset = await api.request("POST", "/auth/password/reset", { body: { token, newPassword } });
    expect(reset.status).toBe(200);
    expect(reset.body.user).toMatchObject({ id: user.user.id, emailVerified: true });
    expect(reset.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await api.request("GET", "/me", { token: user.token })).status).toBe(401);
    expect((await api.request("GET", "/me", { token: other.body.token })).status).toBe(401);
    expect((await api.request("GET", "/me", { token: reset.body.token })).body.user).toMatchObject({
      id: user.user.id,
      emailVerified: true,
    });
    expect((await api.request("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(
      401,
    );
    expect(
      (await api.request("POST", "/auth/login", { body: { email: user.email, password: newPassword } })).status,
    ).toBe(200);

    const notice = await mail.nextMail(user.email);
    expect(notice.subject).toMatch(/password was changed/i);
    expect(notice.body.text).not.toMatch(/token=/);
    expect(
      problemOf(
        await api.request("POST", "/auth/password/reset", { body: { token, newPassword: `${PASSWORD} thrice` } }),
      ),
    ).toMatchObject(INVALID);
    const actions = await auditActions({ userId: user.user.id });
    expect(actions).toEqual(expect.arrayContaining(["user.password_reset_requested", "user.password_reset"]));
    const [event] = await db()
      .selectFrom("audit_log")
      .select("details")
      .where("user_id", "=", user.user.id)
      .where("action", "=", "user.password_reset")
      .execute();
    expect(JSON.stringify(event!.details)).not.toContain(token);
  });

  it("answers an unknown address exactly like a known one, and mails only the known one", async () => {
    const known = await signUp(api);
    await mail.nextMail(known.email);
    const unknownEmail = uniqueEmail("nobody");
    const answers = [
      await api.request("POST", "/auth/password/forgot", { body: { email: unknownEmail } }),
      await api.request("POST", "/auth/password/forgot", { body: { email: known.email } }),
    ];
    const visible = answers.map((answer) => {
      const headers = Object.fromEntries(
        [...answer.headers].filter(
          ([name]) => !["x-request-id", "apigw-requestid", "date", "content-length"].includes(name),
        ),
      );
      return { status: answer.status, body: answer.body, headers };
    });
    expect(visible[0]).toEqual(visible[1]);
    expect(visible[0]!.status).toBe(202);
    await mail.nextMail(known.email);
    expect(await mail.mailsTo(unknownEmail)).toEqual([]);
    const requested = await db()
      .selectFrom("audit_log")
      .select("details")
      .where("action", "=", "user.password_reset_requested")
      .execute();
    expect(JSON.stringify(requested)).not.toContain(unknownEmail);
  });

  it("refuses expired, unknown and malformed reset tokens alike, and keeps the password", async () => {
    const user = await signUp(api);
    await mail.nextMail(user.email);
    await api.request("POST", "/auth/password/forgot", { body: { email: user.email } });
    const token = tokenIn(await mail.nextMail(user.email));
    await expire(token);
    const body = (t: string) => ({ body: { token: t, newPassword: `${PASSWORD} never` } });
    const expired = await api.request("POST", "/auth/password/reset", body(token));
    expect(problemOf(expired)).toMatchObject(INVALID);
    expect(problemOf(await api.request("POST", "/auth/password/reset", body("y".repeat(43))))).toEqual(
      problemOf(expired),
    );
    expect(problemOf(await api.request("POST", "/auth/password/reset", body("short")))).toEqual(problemOf(expired));
    expect((await api.request("GET", "/me", { token: user.token })).status).toBe(200);
    expect((await api.request("POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(
      200,
    );
    // A too-short new password is a validation error, whatever the token.
    expect(
      (await api.request("POST", "/auth/password/reset", { body: { token, newPassword: "short" } })).body.code,
    ).toBe("validation_failed");
  });

  it("limits forgot per address, known or not, with the same answer", async () => {
    for (const email of [uniqueEmail("limited"), (await signUp(api)).email]) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await api.request("POST", "/auth/password/forgot", { body: { email } })).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
    }
  });
});

describe("one use per token, also when two requests race", () => {
  it("verifies once and resets once when the same token is sent twice at the same moment, 20 times over", async () => {
    for (let round = 0; round < 20; round++) {
      const user = await signUp(api);
      const verifyToken = tokenIn(await mail.nextMail(user.email));
      const verifies = await Promise.all(
        [0, 1].map(() => api.request("POST", "/auth/email/verify", { body: { token: verifyToken } })),
      );
      expect(verifies.map((answer) => answer.status).sort()).toEqual([200, 400]);
      expect(verifies.find((answer) => answer.status === 400)!.body.code).toBe("invalid_token");

      await api.request("POST", "/auth/password/forgot", { body: { email: user.email } });
      const resetToken = tokenIn(await mail.nextMail(user.email));
      const resets = await Promise.all(
        [1, 2].map((n) =>
          api.request("POST", "/auth/password/reset", { body: { token: resetToken, newPassword: `${PASSWORD} ${n}` } }),
        ),
      );
      expect(resets.map((answer) => answer.status).sort()).toEqual([200, 400]);
      // The winner's password is the one that works, and only its session is alive.
      const winner = resets.findIndex((answer) => answer.status === 200);
      expect(
        (
          await api.request("POST", "/auth/login", {
            body: { email: user.email, password: `${PASSWORD} ${winner + 1}` },
          })
        ).status,
      ).toBe(200);
      const events = await db()
        .selectFrom("audit_log")
        .select("id")
        .where("user_id", "=", user.user.id)
        .where("action", "in", ["user.email_verified", "user.password_reset"])
        .execute();
      expect(events).toHaveLength(2);
    }
  });
});
