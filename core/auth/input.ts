import * as z from "../zod/index.ts";
import { CreateInput as CreateUserInput } from "../user/input.ts";

// What a request sends, apart from what it is answered (./schema.ts): a function that reads these
// builds them at init, and not the answer's user and session shapes.

export const RegisterInput = CreateUserInput;
export type RegisterInput = z.input<typeof RegisterInput>;

export const LoginInput = z.object({
  // Not checked as an email: anything else simply matches no account.
  email: z.string().check(z.trim(), z.minLength(1), z.maxLength(255), z.toLowerCase()),
  // Not held to today's password rules: a wrong password is invalid_credentials, whatever its length.
  password: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type LoginInput = z.input<typeof LoginInput>;
