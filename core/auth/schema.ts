import * as z from "../zod/index.ts";
import { SessionToken } from "../session/schema.ts";
import { CreateInput as CreateUserInput } from "../user/input.ts";
import { Info as UserInfo } from "../user/schema.ts";

export const RegisterInput = CreateUserInput;
export type RegisterInput = z.input<typeof RegisterInput>;

export const LoginInput = z.object({
  // Not checked as an email: anything else simply matches no account.
  email: z.string().check(z.trim(), z.minLength(1), z.maxLength(255), z.toLowerCase()),
  // Not held to today's password rules: a wrong password is invalid_credentials, whatever its length.
  password: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type LoginInput = z.input<typeof LoginInput>;

export const AuthResult = z.extend(SessionToken, { user: UserInfo });
export type AuthResult = z.infer<typeof AuthResult>;
