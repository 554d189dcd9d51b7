import * as z from "../zod/index.ts";
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
export const Info = z.object({
  id: z.uuid(),
  orgId: z.nullable(z.uuid()),
  userId: z.nullable(z.uuid()),
  action: z.string(),
  resourceType: z.nullable(z.string()),
  resourceId: z.nullable(z.uuid()),
  details: z.record(z.string(), z.unknown()),
  ipAddress: z.nullable(z.string()),
  createdAt: z.isoDateTime(),
});
export type Info = z.infer<typeof Info>;

export const AuditQuery = z.extend(PageQuery, {
  action: z.optional(AuditAction),
  userId: z.optional(z.uuid()),
  resourceType: z.optional(z.string().check(z.minLength(1), z.maxLength(50))),
  resourceId: z.optional(z.uuid()),
  /** Inclusive. */
  from: z.optional(z.isoDateTime({ offset: true })),
  /** Exclusive: consecutive ranges never share an event. */
  to: z.optional(z.isoDateTime({ offset: true })),
  q: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type AuditQuery = z.output<typeof AuditQuery>;

export const AuditExportRequest = z.object({
  from: z.optional(z.isoDateTime({ offset: true })),
  to: z.optional(z.isoDateTime({ offset: true })),
});
export type AuditExportRequest = z.output<typeof AuditExportRequest>;

export const AuditExportInfo = z.object({
  id: z.uuid(),
  /** A presigned GET of the gzip-compressed NDJSON file, one event (as the API shows it) a line. */
  url: z.url(),
  expiresAt: z.isoDateTime(),
  count: z.number().check(z.int(), z.nonnegative()),
});
export type AuditExportInfo = z.infer<typeof AuditExportInfo>;
