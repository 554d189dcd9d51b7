import * as z from "../zod/index.ts";

export const SessionInfo = z.object({
  id: z.uuid(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime(),
  ipAddress: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
  /** The session making this request. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionList = z.object({ items: z.array(SessionInfo) });

/** A new bearer token: shown once, never stored. */
export const SessionToken = z.object({ token: z.string(), expiresAt: z.iso.datetime() });
export type SessionToken = z.infer<typeof SessionToken>;

export const SessionParams = z.object({ sessionId: z.uuid() });
