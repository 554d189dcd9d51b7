import * as z from "../zod/index.ts";

/** Every action the trail records: what the queue accepts and what a list filters on. */
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
