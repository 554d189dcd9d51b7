import type { Actor, UserActor } from "../actor/index.ts";
import type { AuthResult } from "../auth/schema.ts";
import * as Mail from "../mail/index.ts";
import * as RateLimit from "../rate-limit/index.ts";
import * as User from "../user/index.ts";
import { input } from "../validation/index.ts";
import { ForgotPasswordInput, ResetPasswordInput, VerifyEmailInput, type Accepted } from "./schema.ts";

export { Accepted, ForgotPasswordInput, ResetPasswordInput, VerifyEmailInput } from "./schema.ts";

/** Proves the address with the mailed token; answers the account, now verified. */
export async function verifyEmail(actor: Actor, value: VerifyEmailInput): Promise<User.Info> {
  const { token } = input(VerifyEmailInput, value);
  return User.confirmEmail(actor, token);
}

/** Mails a new verification link to the caller, unless the address is verified already. */
export async function resendVerification(actor: UserActor): Promise<Accepted> {
  await RateLimit.take("email-resend", actor.userId, { actor });
  const user = await User.fromID(actor.userId);
  if (user && !user.emailVerified) await Mail.enqueue({ kind: "verify_email", userId: actor.userId });
  return { message: "If the address is not verified yet, a new link is on its way" };
}

export const FORGOT_ANSWER: Accepted = {
  message: "If an account has this address, a link to reset its password is on its way",
};

/**
 * Always the same answer after the same work: the address is not looked up here but by the mail
 * consumer, so neither the answer nor its timing tells whether an account has it. Limited per
 * address (existing or not) and per client IP.
 */
export async function forgotPassword(actor: Actor, value: ForgotPasswordInput): Promise<Accepted> {
  const { email } = input(ForgotPasswordInput, value);
  if (actor.ip) await RateLimit.take("password-forgot-ip", actor.ip, { actor });
  await RateLimit.take("password-forgot-account", email, { actor, details: { email } });
  await Mail.enqueue({ kind: "password_reset", email, ip: actor.ip, userAgent: actor.userAgent?.slice(0, 512) });
  return FORGOT_ANSWER;
}

/** Sets a new password with the mailed token: every session ends, a new one is issued. */
export async function resetPassword(actor: Actor, value: ResetPasswordInput): Promise<AuthResult> {
  const { token, newPassword } = input(ResetPasswordInput, value);
  const result = await User.resetPassword(actor, token, newPassword);
  // The owner of the mailbox just proved who they are: earlier failed logins no longer count.
  await RateLimit.clear("login-account", result.user.email);
  return result;
}
