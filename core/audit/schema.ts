import * as z from "zod";
import { PageQuery } from "../pagination/schema.ts";

export const AuditAction = z.enum([
  "user.registered",
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "session.revoked",
  "user.updated",
  "user.password_changed",
  "user.password_change_failed",
  "auth.rate_limited",
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
  "user.email_verified",
  "user.password_reset_requested",
  "user.password_reset",
  "invitation.created",
  "invitation.revoked",
  "invitation.accepted",
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

/**
 * The event as it travels through the queue: produced once, stored and indexed idempotently by id.
 * Stricter than what the API shows, so a message that would break the batch's one INSERT (an
 * address INET rejects, a type or action the table's columns can't hold) is caught at parsing and
 * only that record fails.
 */
export const AuditEvent = AuditEventInfo.extend({
  action: AuditAction,
  resourceType: z.string().min(1).max(50).nullable(),
  ipAddress: z.union([z.ipv4(), z.ipv6()]).nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = PageQuery.extend({
  action: AuditAction.optional(),
  userId: z.uuid().optional(),
  resourceType: z.string().min(1).max(50).optional(),
  resourceId: z.uuid().optional(),
  /** Inclusive. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Exclusive: consecutive ranges never share an event. */
  to: z.iso.datetime({ offset: true }).optional(),
  q: z.string().min(1).max(200).optional(),
});
export type AuditQuery = z.output<typeof AuditQuery>;

export const AuditExportRequest = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type AuditExportRequest = z.output<typeof AuditExportRequest>;

export const AuditExportInfo = z.object({
  id: z.uuid(),
  /** A presigned GET of the gzip-compressed NDJSON file, one event (as the API shows it) a line. */
  url: z.url(),
  expiresAt: z.iso.datetime(),
  count: z.number().int().nonnegative(),
});
export type AuditExportInfo = z.infer<typeof AuditExportInfo>;
