import * as z from "../zod/index.ts";

/**
 * What travels through the mail queue: what to mail and to whom, never a token. The consumer reads
 * the current state and issues the token itself, so no queue message or log line ever holds one.
 */
export const MailJob = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("verify_email"), userId: z.uuid() }),
  // By address, unresolved: the request does the same work whether or not an account has it.
  z.object({
    kind: z.literal("password_reset"),
    email: z.string().check(z.maxLength(255)),
    ip: z.optional(z.string().check(z.maxLength(64))),
    userAgent: z.optional(z.string().check(z.maxLength(512))),
  }),
  z.object({ kind: z.literal("password_changed"), userId: z.uuid() }),
  z.object({ kind: z.literal("invitation"), invitationId: z.uuid() }),
]);
export type MailJob = z.infer<typeof MailJob>;
