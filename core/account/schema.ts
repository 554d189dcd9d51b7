import * as z from "../zod/index.ts";
import { OneTimeToken } from "../token/schema.ts";
import { Password } from "../user/input.ts";

export const VerifyEmailInput = z.strictObject({ token: OneTimeToken });
export type VerifyEmailInput = z.input<typeof VerifyEmailInput>;

export const ForgotPasswordInput = z.strictObject({
  email: z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email().check(z.maxLength(255))),
});
export type ForgotPasswordInput = z.input<typeof ForgotPasswordInput>;

export const ResetPasswordInput = z.strictObject({ token: OneTimeToken, newPassword: Password });
export type ResetPasswordInput = z.input<typeof ResetPasswordInput>;

/** The answer of a request that only queues a mail: the same whatever the outcome. */
export const Accepted = z.object({ message: z.string() });
export type Accepted = z.infer<typeof Accepted>;
