import { emit } from "../audit/index.ts";
import { sendEmail } from "../aws/ses.ts";
import { config } from "../config/index.ts";
import { transaction, useTransaction } from "../db/index.ts";
import { log } from "../log/index.ts";
import * as Token from "../token/index.ts";
import type { MailJob } from "./schema.ts";
import { render, type Template } from "./templates.ts";

function link(path: string, token: string): string {
  const url = new URL(path, config().mail.appUrl);
  url.searchParams.set("token", token);
  return url.toString();
}

async function send(to: string, mail: Template): Promise<void> {
  const { from } = config().mail;
  const { sesEndpoint } = config().aws;
  if (!from) throw new Error("MAIL_FROM is not set");
  const messageId = await sendEmail({ from, to, ...render(mail) }, sesEndpoint);
  // Never the address or the link: identifiers and outcomes only.
  log.info("mail sent", { template: mail.template, messageId });
}

async function activeUser(where: { id: string } | { email: string }) {
  return useTransaction((tx) => {
    const select = tx.selectFrom("users").select(["id", "email", "display_name", "email_verified", "status"]);
    return ("id" in where ? select.where("id", "=", where.id) : select.where("email", "=", where.email.toLowerCase()))
      .where((eb) => eb.or([eb("status", "=", "active"), eb("status", "is", null)]))
      .executeTakeFirst();
  });
}

/**
 * Turns one queued job into a mail: reads what is true now (an account verified meanwhile gets no
 * verification mail, a revoked invitation none), issues the token and sends. Throws when SES does
 * not take the message, so the queue tries again; a retry issues a fresh token.
 */
export async function deliver(job: MailJob): Promise<void> {
  const seconds = config().tokenSeconds;
  switch (job.kind) {
    case "verify_email": {
      const user = await activeUser({ id: job.userId });
      if (!user || user.email_verified) return;
      const token = await Token.issue({
        purpose: "verify_email",
        email: user.email,
        userId: user.id,
        ttlSeconds: seconds.verifyEmail,
      });
      await send(user.email, {
        template: "verify_email",
        displayName: user.display_name,
        link: link("/verify-email", token),
        validHours: Math.round(seconds.verifyEmail / 3600),
      });
      return;
    }
    case "password_reset": {
      // Unknown and suspended addresses end here, out of the caller's sight.
      const user = await activeUser({ email: job.email });
      if (!user) return;
      const token = await transaction(async () => {
        const issued = await Token.issue({
          purpose: "password_reset",
          email: user.email,
          userId: user.id,
          ttlSeconds: seconds.passwordReset,
        });
        await emit({
          action: "user.password_reset_requested",
          actor: { type: "public", ip: job.ip, userAgent: job.userAgent },
          userId: user.id,
          resourceType: "user",
          resourceId: user.id,
        });
        return issued;
      });
      await send(user.email, {
        template: "password_reset",
        displayName: user.display_name,
        link: link("/reset-password", token),
        validMinutes: Math.round(seconds.passwordReset / 60),
      });
      return;
    }
    case "password_changed": {
      const user = await activeUser({ id: job.userId });
      if (!user) return;
      await send(user.email, {
        template: "password_changed",
        displayName: user.display_name,
        when: new Date().toUTCString(),
      });
      return;
    }
    case "invitation": {
      const invitation = await useTransaction((tx) =>
        tx
          .selectFrom("invitations as i")
          .innerJoin("organizations as o", "o.id", "i.org_id")
          .leftJoin("users as u", "u.id", "i.invited_by")
          .select(["i.id", "i.email", "i.role", "i.expires_at", "o.name as org_name", "u.display_name as inviter_name"])
          .where("i.id", "=", job.invitationId)
          .where("i.accepted_at", "is", null)
          .where("i.revoked_at", "is", null)
          .executeTakeFirst(),
      );
      if (!invitation) return;
      const ttlSeconds = Math.floor((invitation.expires_at.getTime() - Date.now()) / 1000);
      if (ttlSeconds <= 0) return;
      const token = await Token.issue({
        purpose: "invitation",
        email: invitation.email,
        invitationId: invitation.id,
        ttlSeconds,
      });
      await send(invitation.email, {
        template: "invitation",
        orgName: invitation.org_name,
        inviterName: invitation.inviter_name ?? "An administrator",
        role: invitation.role,
        link: link("/accept-invitation", token),
        validDays: Math.max(1, Math.round(ttlSeconds / 86_400)),
      });
      return;
    }
  }
}
