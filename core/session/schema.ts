import * as z from "../zod/index.ts";

export const Info = z.object({
  id: z.uuid(),
  createdAt: z.isoDateTime(),
  expiresAt: z.isoDateTime(),
  lastUsedAt: z.isoDateTime(),
  ipAddress: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
  /** The session making this request. */
  current: z.boolean(),
});
export type Info = z.infer<typeof Info>;

export const List = z.object({ items: z.array(Info) });

/** A new bearer token: shown once, never stored. */
export const SessionToken = z.object({ token: z.string(), expiresAt: z.isoDateTime() });
export type SessionToken = z.infer<typeof SessionToken>;

export const Params = z.object({ sessionId: z.uuid() });
