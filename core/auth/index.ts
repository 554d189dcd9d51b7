import type { Actor } from "../actor/index.ts";
import { emit } from "../audit/index.ts";
import * as Mail from "../mail/index.ts";
import { transaction } from "../db/index.ts";
import { VisibleError } from "../error/index.ts";
import { checkPassword, hashPassword } from "../password/index.ts";
import * as RateLimit from "../rate-limit/index.ts";
import * as Session from "../session/index.ts";
import * as User from "../user/index.ts";
import { input } from "../validation/index.ts";
import { LoginInput, RegisterInput } from "./input.ts";
import type { AuthResult } from "./schema.ts";

export { LoginInput, RegisterInput } from "./input.ts";
export { AuthResult } from "./schema.ts";

/** A new account, signed in at once. Limited per address: each one costs an argon2 hash. */
export async function register(actor: Actor, value: RegisterInput): Promise<AuthResult> {
  const data = input(RegisterInput, value);
  if (actor.ip) await RateLimit.take("register-ip", actor.ip, { actor });
  // Before the transaction: no connection is held while argon2 works.
  const passwordHash = await hashPassword(data.password);
  return transaction(async () => {
    const user = await User.insert(actor, { email: data.email, displayName: data.displayName, passwordHash });
    const session = await Session.create(user, actor);
    await Mail.enqueue({ kind: "verify_email", userId: user.id });
    return { user, token: session.token, expiresAt: session.expiresAt.toISOString() };
  });
}

/**
 * Signs in with email and password. An unknown email, an account without a password and a wrong
 * password get the same answer after the same argon2 work; only a correct password learns that an
 * account is suspended. The attempt is counted before the password is checked (see RateLimit).
 */
export async function login(actor: Actor, value: LoginInput): Promise<AuthResult> {
  const { email, password } = input(LoginInput, value);
  const attempt = await RateLimit.takePasswordAttempt(email, { actor, details: { email } });
  const row = await User.withCredentials(email);
  const valid = await checkPassword(attempt, row?.password_hash, password);
  // Nobody acted in the name of the account a failed login targets: user_id stays empty.
  if (!row || !valid) {
    await emit({
      action: "auth.login_failed",
      actor,
      userId: null,
      resourceType: "user",
      resourceId: row?.id ?? null,
      details: { email, reason: row ? "wrong_password" : "unknown_email" },
    });
    throw new VisibleError("invalid_credentials", "The email or password is not correct");
  }
  const user = User.toInfo(row);
  if (user.status !== "active") {
    await emit({
      action: "auth.login_failed",
      actor,
      userId: null,
      resourceType: "user",
      resourceId: user.id,
      details: { email, reason: "suspended" },
    });
    throw new VisibleError("account_suspended", "This account is suspended");
  }
  await attempt.succeeded();
  return transaction(async () => {
    const session = await Session.create(user, actor);
    await emit({ action: "auth.login", actor, userId: user.id, resourceType: "session", resourceId: session.id });
    return { user, token: session.token, expiresAt: session.expiresAt.toISOString() };
  });
}
