import * as Account from "@voxguard/core/account/schema";
import * as SealInput from "@voxguard/core/audit-seal/input";
import * as AuditInput from "@voxguard/core/audit/input";
import * as AuditQuery from "@voxguard/core/audit/query";
import * as AuthInput from "@voxguard/core/auth/input";
import * as InvitationInput from "@voxguard/core/invitation/input";
import * as Invitation from "@voxguard/core/invitation/schema";
import * as MemberInput from "@voxguard/core/member/input";
import * as Member from "@voxguard/core/member/schema";
import * as OrgInput from "@voxguard/core/org/input";
import * as OrgPath from "@voxguard/core/org/params";
import * as Pagination from "@voxguard/core/pagination/schema";
import * as ResourceInput from "@voxguard/core/resource/input";
import * as ResourcePath from "@voxguard/core/resource/params";
import * as ResourceQuery from "@voxguard/core/resource/query";
import * as Session from "@voxguard/core/session/schema";
import * as UserInput from "@voxguard/core/user/input";
import * as UserPath from "@voxguard/core/user/params";
import * as UserQuery from "@voxguard/core/user/query";
import { byKey, type RouteDefinition } from "./edge/route-definition.ts";

/**
 * THE route table. infra/api.ts deploys exactly these routes, the local server serves them and
 * GET /openapi.json documents them. Keys are API Gateway route keys.
 *
 * One constant a route: a handler imports its own (`route(getMe, …)`), so its bundle carries that
 * route's definition and the schema modules its `request` names, and no other route's; `routes` at
 * the end collects them all for infra, the local server, the OpenAPI document and the tests. That
 * holds because every constant is pure (plain values and imported schemas, no call: a schema built
 * here would be built in every function) and the core package declares no side effects, so esbuild
 * drops a schema module no kept constant uses. What a route answers is in ./responses.ts, which no
 * function imports. Import schema modules statically: an `await import()` makes esbuild wrap the
 * module and everything it imports, zod included, in functions run on demand, in every bundle.
 */
export const health = {
  key: "GET /health",
  handler: "functions/meta/health.handler",
  auth: "none",
  summary: "Health of the service and its dependencies",
} as const satisfies RouteDefinition;

export const openApi = {
  key: "GET /openapi.json",
  handler: "functions/meta/openapi.handler",
  auth: "none",
  summary: "This API's OpenAPI 3.1 document",
} as const satisfies RouteDefinition;

// identity
export const register = {
  key: "POST /auth/register",
  handler: "functions/auth/register.handler",
  auth: "none",
  summary: "Create an account and sign in",
  example: (c) => ({ body: { email: `new-${c.unique}@example.com`, password: c.password, displayName: "Jane Doe" } }),
  request: { body: AuthInput.RegisterInput },
} as const satisfies RouteDefinition;

export const login = {
  key: "POST /auth/login",
  handler: "functions/auth/login.handler",
  auth: "none",
  summary: "Sign in with email and password; failed attempts are limited per account and per IP",
  example: (c) => ({ body: { email: c.email, password: c.password } }),
  request: { body: AuthInput.LoginInput },
} as const satisfies RouteDefinition;

export const logout = {
  key: "POST /auth/logout",
  handler: "functions/auth/logout.handler",
  auth: "session",
  summary: "End the current session",
} as const satisfies RouteDefinition;

export const listSessions = {
  key: "GET /auth/sessions",
  handler: "functions/auth/list-sessions.handler",
  auth: "session",
  summary: "The caller's live sessions",
} as const satisfies RouteDefinition;

export const revokeOtherSessions = {
  key: "DELETE /auth/sessions",
  handler: "functions/auth/revoke-other-sessions.handler",
  auth: "session",
  summary: "Revoke every session of the caller but the current one",
} as const satisfies RouteDefinition;

export const revokeSession = {
  key: "DELETE /auth/sessions/{sessionId}",
  handler: "functions/auth/revoke-session.handler",
  auth: "session",
  summary: "Revoke one of the caller's sessions",
  request: { params: Session.Params },
} as const satisfies RouteDefinition;

export const getMe = {
  key: "GET /me",
  handler: "functions/me/get.handler",
  auth: "session",
  summary: "The caller's account",
} as const satisfies RouteDefinition;

export const updateMe = {
  key: "PATCH /me",
  handler: "functions/me/update.handler",
  auth: "session",
  summary: "Change the caller's display name",
  example: () => ({ body: { displayName: "Jane Q. Doe" } }),
  request: { body: UserInput.UpdateInput },
} as const satisfies RouteDefinition;

export const changePassword = {
  key: "POST /me/password",
  handler: "functions/me/change-password.handler",
  auth: "session",
  summary: "Change the password: every session, the current one too, is revoked and a new token issued",
  example: (c) => ({ body: { currentPassword: c.password, newPassword: `${c.password} again` } }),
  request: { body: UserInput.ChangePasswordInput },
} as const satisfies RouteDefinition;

export const listUsers = {
  key: "GET /admin/users",
  handler: "functions/admin/list-users.handler",
  auth: "platform-admin",
  summary: "Every user, newest first; `q` matches email or display name (platform administrators)",
  example: () => ({ query: { limit: "5" } }),
  request: { query: UserQuery.ListQuery },
} as const satisfies RouteDefinition;

export const updateUser = {
  key: "PATCH /admin/users/{userId}",
  handler: "functions/admin/update-user.handler",
  auth: "platform-admin",
  summary: "Suspend, reactivate, promote or demote a user; suspending revokes every session (platform administrators)",
  example: () => ({ body: { status: "active" } }),
  request: { params: UserPath.Params, body: UserInput.AdminUpdateInput },
} as const satisfies RouteDefinition;

// tenancy
export const createOrg = {
  key: "POST /orgs",
  handler: "functions/orgs/create.handler",
  auth: "session",
  summary: "Create an organization; the caller becomes its owner",
  example: (c) => ({ body: { name: "Acme Voice", slug: `acme-${c.unique}` } }),
  request: { body: OrgInput.CreateInput },
} as const satisfies RouteDefinition;

export const listOrgs = {
  key: "GET /orgs",
  handler: "functions/orgs/list.handler",
  auth: "session",
  summary: "The organizations the caller belongs to, with the caller's role, newest first",
  example: () => ({ query: { limit: "5" } }),
  request: { query: Pagination.PageQuery },
} as const satisfies RouteDefinition;

export const getOrg = {
  key: "GET /orgs/{orgId}",
  handler: "functions/orgs/get.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "One organization",
  request: { params: OrgPath.Params },
} as const satisfies RouteDefinition;

export const updateOrg = {
  key: "PATCH /orgs/{orgId}",
  handler: "functions/orgs/update.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Rename an organization or replace its metadata; the plan only by a platform administrator",
  example: () => ({ body: { name: "Acme Voice EU", metadata: { region: "eu" } } }),
  request: { params: OrgPath.Params, body: OrgInput.UpdateInput },
} as const satisfies RouteDefinition;

export const removeOrg = {
  key: "DELETE /orgs/{orgId}",
  handler: "functions/orgs/remove.handler",
  auth: "session",
  orgRole: "owner",
  summary: "Delete an organization with its members and resources",
  request: { params: OrgPath.Params },
} as const satisfies RouteDefinition;

export const listMembers = {
  key: "GET /orgs/{orgId}/members",
  handler: "functions/orgs/members/list.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "An organization's members, newest first",
  example: () => ({ query: { limit: "10" } }),
  request: { params: OrgPath.Params, query: Pagination.PageQuery },
} as const satisfies RouteDefinition;

export const updateMember = {
  key: "PATCH /orgs/{orgId}/members/{userId}",
  handler: "functions/orgs/members/update.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Change a member's role; only an owner grants or takes admin or owner; the last owner stays",
  example: () => ({ body: { role: "viewer" } }),
  request: { params: Member.Params, body: MemberInput.UpdateInput },
} as const satisfies RouteDefinition;

export const removeMember = {
  key: "DELETE /orgs/{orgId}/members/{userId}",
  handler: "functions/orgs/members/remove.handler",
  auth: "session",
  orgRole: "admin",
  orgRoleException: "self",
  summary: "Remove a member, or leave (any member may remove itself); the last owner stays",
  request: { params: Member.Params },
} as const satisfies RouteDefinition;

export const createResource = {
  key: "POST /orgs/{orgId}/resources",
  handler: "functions/orgs/resources/create.handler",
  auth: "session",
  orgRole: "member",
  summary: "Create a resource",
  example: () => ({ body: { type: "voice.line", name: "Support line", config: { number: "+15550100" } } }),
  request: { params: OrgPath.Params, body: ResourceInput.CreateInput },
} as const satisfies RouteDefinition;

export const listResources = {
  key: "GET /orgs/{orgId}/resources",
  handler: "functions/orgs/resources/list.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "An organization's resources, newest first, optionally of one type or status",
  example: () => ({ query: { limit: "10", status: "active" } }),
  request: { params: OrgPath.Params, query: ResourceQuery.ListQuery },
} as const satisfies RouteDefinition;

export const getResource = {
  key: "GET /orgs/{orgId}/resources/{resourceId}",
  handler: "functions/orgs/resources/get.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "One resource",
  request: { params: ResourcePath.Params },
} as const satisfies RouteDefinition;

export const updateResource = {
  key: "PATCH /orgs/{orgId}/resources/{resourceId}",
  handler: "functions/orgs/resources/update.handler",
  auth: "session",
  orgRole: "member",
  summary: "Rename a resource, replace its config or change its status",
  example: () => ({ body: { name: "Sales line", status: "disabled" } }),
  request: { params: ResourcePath.Params, body: ResourceInput.UpdateInput },
} as const satisfies RouteDefinition;

export const removeResource = {
  key: "DELETE /orgs/{orgId}/resources/{resourceId}",
  handler: "functions/orgs/resources/remove.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Delete a resource",
  request: { params: ResourcePath.Params },
} as const satisfies RouteDefinition;

// account lifecycle by email: verification, password reset, invitations
export const verifyEmail = {
  key: "POST /auth/email/verify",
  handler: "functions/auth/verify-email.handler",
  auth: "none",
  summary: "Verify the account's email address with the mailed token",
  example: (c) => ({ body: { token: c.tokens.verify } }),
  request: { body: Account.VerifyEmailInput },
} as const satisfies RouteDefinition;

export const resendVerification = {
  key: "POST /auth/email/resend",
  handler: "functions/auth/resend-verification.handler",
  auth: "session",
  summary: "Mail a new verification link to the caller's address (rate limited)",
} as const satisfies RouteDefinition;

export const forgotPassword = {
  key: "POST /auth/password/forgot",
  handler: "functions/auth/forgot-password.handler",
  auth: "none",
  summary: "Mail a password reset link; the same answer whether or not an account has the address",
  example: (c) => ({ body: { email: c.email } }),
  request: { body: Account.ForgotPasswordInput },
} as const satisfies RouteDefinition;

export const resetPassword = {
  key: "POST /auth/password/reset",
  handler: "functions/auth/reset-password.handler",
  auth: "none",
  summary: "Set a new password with the mailed token: every session is revoked and a new one issued",
  example: (c) => ({ body: { token: c.tokens.reset, newPassword: `${c.password} reset` } }),
  request: { body: Account.ResetPasswordInput },
} as const satisfies RouteDefinition;

export const createInvitation = {
  key: "POST /orgs/{orgId}/invitations",
  handler: "functions/orgs/invitations/create.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Invite an email address with a role; only an owner invites admins or owners",
  example: (c) => ({ body: { email: `invitee-${c.unique}@example.com`, role: "member" } }),
  request: { params: OrgPath.Params, body: InvitationInput.CreateInput },
} as const satisfies RouteDefinition;

export const listInvitations = {
  key: "GET /orgs/{orgId}/invitations",
  handler: "functions/orgs/invitations/list.handler",
  auth: "session",
  orgRole: "admin",
  summary: "An organization's pending invitations, newest first",
  example: () => ({ query: { limit: "10" } }),
  request: { params: OrgPath.Params, query: Pagination.PageQuery },
} as const satisfies RouteDefinition;

export const revokeInvitation = {
  key: "DELETE /orgs/{orgId}/invitations/{invitationId}",
  handler: "functions/orgs/invitations/revoke.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Revoke a pending invitation",
  request: { params: Invitation.Params },
} as const satisfies RouteDefinition;

export const acceptInvitation = {
  key: "POST /invitations/accept",
  handler: "functions/invitations/accept.handler",
  auth: "session",
  summary: "Join an organization with the mailed token, signed in as the invited address",
  example: (c) => ({ body: { token: c.tokens.invitation } }),
  request: { body: InvitationInput.AcceptInput },
} as const satisfies RouteDefinition;

// audit
export const listOrgAudit = {
  key: "GET /orgs/{orgId}/audit",
  handler: "functions/audit/list-org.handler",
  auth: "session",
  orgRole: "admin",
  summary: "An organization's audit trail, newest first; `q` searches the action and details",
  example: () => ({ query: { limit: "10" } }),
  request: { params: OrgPath.Params, query: AuditQuery.AuditQuery },
} as const satisfies RouteDefinition;

export const exportAudit = {
  key: "POST /orgs/{orgId}/audit/exports",
  handler: "functions/audit/export.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Export an organization's audit trail as gzip NDJSON; answers a presigned download URL",
  example: () => ({ body: {} }),
  request: { params: OrgPath.Params, body: AuditInput.AuditExportRequest },
} as const satisfies RouteDefinition;

export const listMyAudit = {
  key: "GET /me/audit",
  handler: "functions/audit/list-mine.handler",
  auth: "session",
  summary: "The caller's own audit events, newest first",
  example: () => ({ query: { limit: "10" } }),
  request: { query: AuditQuery.AuditQuery },
} as const satisfies RouteDefinition;

export const listAllAudit = {
  key: "GET /admin/audit",
  handler: "functions/audit/list-all.handler",
  auth: "platform-admin",
  summary: "Every audit event, newest first (platform administrators)",
  example: () => ({ query: { limit: "10" } }),
  request: { query: AuditQuery.AuditQuery },
} as const satisfies RouteDefinition;

// audit seals: the tamper-evident trail's public keys and its verification
export const auditKeys = {
  key: "GET /.well-known/voxguard-audit-keys.json",
  handler: "functions/audit/keys.handler",
  auth: "none",
  summary: "The public keys (JWK set, Ed25519) that verify the audit trail's seals, retired ones included",
} as const satisfies RouteDefinition;

export const verifyAudit = {
  key: "GET /orgs/{orgId}/audit/verify",
  handler: "functions/audit/verify.handler",
  auth: "session",
  orgRole: "admin",
  summary:
    "Recompute an organization's sealed audit chain over a time range: whether it holds, what it covers, the first break",
  example: () => ({ query: { from: "2026-01-01T00:00:00Z" } }),
  request: { params: OrgPath.Params, query: SealInput.VerifyQuery },
} as const satisfies RouteDefinition;

/** Every definition above, by its key. Pure: a handler importing its own constant leaves this out. */
export const routes = /* @__PURE__ */ byKey([
  health,
  openApi,
  register,
  login,
  logout,
  listSessions,
  revokeOtherSessions,
  revokeSession,
  getMe,
  updateMe,
  changePassword,
  listUsers,
  updateUser,
  createOrg,
  listOrgs,
  getOrg,
  updateOrg,
  removeOrg,
  listMembers,
  updateMember,
  removeMember,
  createResource,
  listResources,
  getResource,
  updateResource,
  removeResource,
  verifyEmail,
  resendVerification,
  forgotPassword,
  resetPassword,
  createInvitation,
  listInvitations,
  revokeInvitation,
  acceptInvitation,
  listOrgAudit,
  exportAudit,
  listMyAudit,
  listAllAudit,
  auditKeys,
  verifyAudit,
]);
