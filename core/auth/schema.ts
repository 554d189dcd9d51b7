import * as z from "zod";
import { SessionToken } from "../session/schema.ts";
import { CreateUserInput, UserInfo } from "../user/schema.ts";

export const RegisterInput = CreateUserInput;
export type RegisterInput = z.input<typeof RegisterInput>;

export const LoginInput = z.object({
  // Not checked as an email: anything else simply matches no account.
  email: z.string().trim().min(1).max(255).toLowerCase(),
  // Not held to today's password rules: a wrong password is invalid_credentials, whatever its length.
  password: z.string().min(1).max(256),
});
export type LoginInput = z.input<typeof LoginInput>;

export const AuthResult = SessionToken.extend({ user: UserInfo });
export type AuthResult = z.infer<typeof AuthResult>;
