import { z } from "zod";
import { PageQuery } from "../pagination/schema.ts";

export const AuditAction = z.enum([
  "user.registered",
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "session.revoked",
  "user.updated",
  "user.password_changed",
  "org.created",
  "org.updated",
  "org.deleted",
  "member.added",
  "member.updated",
  "member.removed",
  "resource.created",
  "resource.updated",
  "resource.deleted",
  "audit.exported",
  "admin.user_updated",
]);
export type AuditAction = z.infer<typeof AuditAction>;

/** An audit event as the API shows it. */
export const AuditEventInfo = z.object({
  id: z.uuid(),
  orgId: z.uuid().nullable(),
  userId: z.uuid().nullable(),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.uuid().nullable(),
  details: z.record(z.string(), z.unknown()),
  ipAddress: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type AuditEventInfo = z.infer<typeof AuditEventInfo>;

/** The event as it travels through the queue: produced once, stored and indexed idempotently by id. */
export const AuditEvent = AuditEventInfo.extend({ action: AuditAction });
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = PageQuery.extend({
  action: AuditAction.optional(),
  userId: z.uuid().optional(),
  resourceType: z.string().min(1).max(50).optional(),
  resourceId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  q: z.string().min(1).max(200).optional(),
});
export type AuditQuery = z.output<typeof AuditQuery>;
