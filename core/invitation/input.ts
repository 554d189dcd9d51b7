import * as z from "../zod/index.ts";
import { Role } from "../org/schema.ts";
import { OneTimeToken } from "../token/schema.ts";

// What a request writes, apart from the shapes it reads (./schema.ts).
export const CreateInput = z.strictObject({
  email: z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email().check(z.maxLength(255))),
  role: z._default(Role, "member"),
});
export type CreateInput = z.input<typeof CreateInput>;

export const AcceptInput = z.strictObject({ token: OneTimeToken });
export type AcceptInput = z.input<typeof AcceptInput>;
