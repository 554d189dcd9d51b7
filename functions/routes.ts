import * as z from "@voxguard/core/zod";
import { byKey, type RouteDefinition } from "./edge/route-definition.ts";

/**
 * THE route table. infra/api.ts deploys exactly these routes, the local server serves them and
 * GET /openapi.json documents them. Keys are API Gateway route keys.
 *
 * One constant a route: a handler imports its own (`route(getMe, …)`), so its bundle carries that
 * route's definition and schema loaders and no other's; `routes` at the end collects them all for
 * infra, the local server, the OpenAPI document and the tests.
 *
 * A route's schemas come from two loaders that import the modules they need
 * (`await import("@voxguard/core/<concept>/input")`): `request`, what the route parses, which its
 * function evaluates at init, and `responses`, what it answers, which only the OpenAPI document and
 * the tests call. A function so builds its own route's request schemas, neither the rest of the
 * table's nor a module only its `responses` imports (a module both import is built all the same).
 * Import nothing from a schema module at the top of this file, or every function pays for it.
 */
export const health = {
  key: "GET /health",
  handler: "functions/meta/health.handler",
  auth: "none",
  summary: "Health of the service and its dependencies",
  responses: async () => {
    const Health = await import("@voxguard/core/health/schema");
    return { 200: Health.HealthInfo, 503: Health.HealthInfo };
  },
} as const satisfies RouteDefinition;

export const openApi = {
  key: "GET /openapi.json",
  handler: "functions/meta/openapi.handler",
  auth: "none",
  summary: "This API's OpenAPI 3.1 document",
  responses: async () => ({ 200: z.record(z.string(), z.unknown()) }),
} as const satisfies RouteDefinition;

// identity
export const register = {
  key: "POST /auth/register",
  handler: "functions/auth/register.handler",
  auth: "none",
  summary: "Create an account and sign in",
  example: (c) => ({ body: { email: `new-${c.unique}@example.com`, password: c.password, displayName: "Jane Doe" } }),
  request: async () => {
    const Auth = await import("@voxguard/core/auth/schema");
    return { body: Auth.RegisterInput };
  },
  responses: async () => {
    const Auth = await import("@voxguard/core/auth/schema");
    return { 201: Auth.AuthResult };
  },
} as const satisfies RouteDefinition;

export const login = {
  key: "POST /auth/login",
  handler: "functions/auth/login.handler",
  auth: "none",
  summary: "Sign in with email and password; failed attempts are limited per account and per IP",
  example: (c) => ({ body: { email: c.email, password: c.password } }),
  request: async () => {
    const Auth = await import("@voxguard/core/auth/schema");
    return { body: Auth.LoginInput };
  },
  responses: async () => {
    const Auth = await import("@voxguard/core/auth/schema");
    return { 200: Auth.AuthResult };
  },
} as const satisfies RouteDefinition;

export const logout = {
  key: "POST /auth/logout",
  handler: "functions/auth/logout.handler",
  auth: "session",
  summary: "End the current session",
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

export const listSessions = {
  key: "GET /auth/sessions",
  handler: "functions/auth/list-sessions.handler",
  auth: "session",
  summary: "The caller's live sessions",
  responses: async () => {
    const Session = await import("@voxguard/core/session/schema");
    return { 200: Session.List };
  },
} as const satisfies RouteDefinition;

export const revokeOtherSessions = {
  key: "DELETE /auth/sessions",
  handler: "functions/auth/revoke-other-sessions.handler",
  auth: "session",
  summary: "Revoke every session of the caller but the current one",
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

export const revokeSession = {
  key: "DELETE /auth/sessions/{sessionId}",
  handler: "functions/auth/revoke-session.handler",
  auth: "session",
  summary: "Revoke one of the caller's sessions",
  request: async () => {
    const Session = await import("@voxguard/core/session/schema");
    return { params: Session.Params };
  },
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

export const getMe = {
  key: "GET /me",
  handler: "functions/me/get.handler",
  auth: "session",
  summary: "The caller's account",
  responses: async () => {
    const User = await import("@voxguard/core/user/schema");
    return { 200: User.Single };
  },
} as const satisfies RouteDefinition;

export const updateMe = {
  key: "PATCH /me",
  handler: "functions/me/update.handler",
  auth: "session",
  summary: "Change the caller's display name",
  example: () => ({ body: { displayName: "Jane Q. Doe" } }),
  request: async () => {
    const UserInput = await import("@voxguard/core/user/input");
    return { body: UserInput.UpdateInput };
  },
  responses: async () => {
    const User = await import("@voxguard/core/user/schema");
    return { 200: User.Single };
  },
} as const satisfies RouteDefinition;

export const changePassword = {
  key: "POST /me/password",
  handler: "functions/me/change-password.handler",
  auth: "session",
  summary: "Change the password: every session, the current one too, is revoked and a new token issued",
  example: (c) => ({ body: { currentPassword: c.password, newPassword: `${c.password} again` } }),
  request: async () => {
    const UserInput = await import("@voxguard/core/user/input");
    return { body: UserInput.ChangePasswordInput };
  },
  responses: async () => {
    const Session = await import("@voxguard/core/session/schema");
    return { 200: Session.SessionToken };
  },
} as const satisfies RouteDefinition;

export const listUsers = {
  key: "GET /admin/users",
  handler: "functions/admin/list-users.handler",
  auth: "platform-admin",
  summary: "Every user, newest first; `q` matches email or display name (platform administrators)",
  example: () => ({ query: { limit: "5" } }),
  request: async () => {
    const User = await import("@voxguard/core/user/schema");
    return { query: User.ListQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const User = await import("@voxguard/core/user/schema");
    return { 200: Pagination.Page(User.Info) };
  },
} as const satisfies RouteDefinition;

export const updateUser = {
  key: "PATCH /admin/users/{userId}",
  handler: "functions/admin/update-user.handler",
  auth: "platform-admin",
  summary: "Suspend, reactivate, promote or demote a user; suspending revokes every session (platform administrators)",
  example: () => ({ body: { status: "active" } }),
  request: async () => {
    const User = await import("@voxguard/core/user/schema");
    const UserInput = await import("@voxguard/core/user/input");
    return { params: User.Params, body: UserInput.AdminUpdateInput };
  },
  responses: async () => {
    const User = await import("@voxguard/core/user/schema");
    return { 200: User.Single };
  },
} as const satisfies RouteDefinition;

// tenancy
export const createOrg = {
  key: "POST /orgs",
  handler: "functions/orgs/create.handler",
  auth: "session",
  summary: "Create an organization; the caller becomes its owner",
  example: (c) => ({ body: { name: "Acme Voice", slug: `acme-${c.unique}` } }),
  request: async () => {
    const OrgInput = await import("@voxguard/core/org/input");
    return { body: OrgInput.CreateInput };
  },
  responses: async () => {
    const Org = await import("@voxguard/core/org/schema");
    return { 201: Org.Single };
  },
} as const satisfies RouteDefinition;

export const listOrgs = {
  key: "GET /orgs",
  handler: "functions/orgs/list.handler",
  auth: "session",
  summary: "The organizations the caller belongs to, with the caller's role, newest first",
  example: () => ({ query: { limit: "5" } }),
  request: async () => {
    const Org = await import("@voxguard/core/org/schema");
    return { query: Org.ListQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Org = await import("@voxguard/core/org/schema");
    return { 200: Pagination.Page(Org.Info) };
  },
} as const satisfies RouteDefinition;

export const getOrg = {
  key: "GET /orgs/{orgId}",
  handler: "functions/orgs/get.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "One organization",
  request: async () => {
    const Org = await import("@voxguard/core/org/schema");
    return { params: Org.Params };
  },
  responses: async () => {
    const Org = await import("@voxguard/core/org/schema");
    return { 200: Org.Single };
  },
} as const satisfies RouteDefinition;

export const updateOrg = {
  key: "PATCH /orgs/{orgId}",
  handler: "functions/orgs/update.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Rename an organization or replace its metadata; the plan only by a platform administrator",
  example: () => ({ body: { name: "Acme Voice EU", metadata: { region: "eu" } } }),
  request: async () => {
    const Org = await import("@voxguard/core/org/schema");
    const OrgInput = await import("@voxguard/core/org/input");
    return { params: Org.Params, body: OrgInput.UpdateInput };
  },
  responses: async () => {
    const Org = await import("@voxguard/core/org/schema");
    return { 200: Org.Single };
  },
} as const satisfies RouteDefinition;

export const removeOrg = {
  key: "DELETE /orgs/{orgId}",
  handler: "functions/orgs/remove.handler",
  auth: "session",
  orgRole: "owner",
  summary: "Delete an organization with its members and resources",
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    return { params: OrgPath.Params };
  },
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

export const listMembers = {
  key: "GET /orgs/{orgId}/members",
  handler: "functions/orgs/members/list.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "An organization's members, newest first",
  example: () => ({ query: { limit: "10" } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const Member = await import("@voxguard/core/member/schema");
    return { params: OrgPath.Params, query: Member.ListQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Member = await import("@voxguard/core/member/schema");
    return { 200: Pagination.Page(Member.Info) };
  },
} as const satisfies RouteDefinition;

export const updateMember = {
  key: "PATCH /orgs/{orgId}/members/{userId}",
  handler: "functions/orgs/members/update.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Change a member's role; only an owner grants or takes admin or owner; the last owner stays",
  example: () => ({ body: { role: "viewer" } }),
  request: async () => {
    const Member = await import("@voxguard/core/member/schema");
    const MemberInput = await import("@voxguard/core/member/input");
    return { params: Member.Params, body: MemberInput.UpdateInput };
  },
  responses: async () => {
    const Member = await import("@voxguard/core/member/schema");
    return { 200: Member.Single };
  },
} as const satisfies RouteDefinition;

export const removeMember = {
  key: "DELETE /orgs/{orgId}/members/{userId}",
  handler: "functions/orgs/members/remove.handler",
  auth: "session",
  orgRole: "admin",
  orgRoleException: "self",
  summary: "Remove a member, or leave (any member may remove itself); the last owner stays",
  request: async () => {
    const Member = await import("@voxguard/core/member/schema");
    return { params: Member.Params };
  },
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

export const createResource = {
  key: "POST /orgs/{orgId}/resources",
  handler: "functions/orgs/resources/create.handler",
  auth: "session",
  orgRole: "member",
  summary: "Create a resource",
  example: () => ({ body: { type: "voice.line", name: "Support line", config: { number: "+15550100" } } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const ResourceInput = await import("@voxguard/core/resource/input");
    return { params: OrgPath.Params, body: ResourceInput.CreateInput };
  },
  responses: async () => {
    const Resource = await import("@voxguard/core/resource/schema");
    return { 201: Resource.Single };
  },
} as const satisfies RouteDefinition;

export const listResources = {
  key: "GET /orgs/{orgId}/resources",
  handler: "functions/orgs/resources/list.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "An organization's resources, newest first, optionally of one type or status",
  example: () => ({ query: { limit: "10", status: "active" } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const Resource = await import("@voxguard/core/resource/schema");
    return { params: OrgPath.Params, query: Resource.ListQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Resource = await import("@voxguard/core/resource/schema");
    return { 200: Pagination.Page(Resource.Info) };
  },
} as const satisfies RouteDefinition;

export const getResource = {
  key: "GET /orgs/{orgId}/resources/{resourceId}",
  handler: "functions/orgs/resources/get.handler",
  auth: "session",
  orgRole: "viewer",
  summary: "One resource",
  request: async () => {
    const Resource = await import("@voxguard/core/resource/schema");
    return { params: Resource.Params };
  },
  responses: async () => {
    const Resource = await import("@voxguard/core/resource/schema");
    return { 200: Resource.Single };
  },
} as const satisfies RouteDefinition;

export const updateResource = {
  key: "PATCH /orgs/{orgId}/resources/{resourceId}",
  handler: "functions/orgs/resources/update.handler",
  auth: "session",
  orgRole: "member",
  summary: "Rename a resource, replace its config or change its status",
  example: () => ({ body: { name: "Sales line", status: "disabled" } }),
  request: async () => {
    const Resource = await import("@voxguard/core/resource/schema");
    const ResourceInput = await import("@voxguard/core/resource/input");
    return { params: Resource.Params, body: ResourceInput.UpdateInput };
  },
  responses: async () => {
    const Resource = await import("@voxguard/core/resource/schema");
    return { 200: Resource.Single };
  },
} as const satisfies RouteDefinition;

export const removeResource = {
  key: "DELETE /orgs/{orgId}/resources/{resourceId}",
  handler: "functions/orgs/resources/remove.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Delete a resource",
  request: async () => {
    const Resource = await import("@voxguard/core/resource/schema");
    return { params: Resource.Params };
  },
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

// account lifecycle by email: verification, password reset, invitations
export const verifyEmail = {
  key: "POST /auth/email/verify",
  handler: "functions/auth/verify-email.handler",
  auth: "none",
  summary: "Verify the account's email address with the mailed token",
  example: (c) => ({ body: { token: c.tokens.verify } }),
  request: async () => {
    const Account = await import("@voxguard/core/account/schema");
    return { body: Account.VerifyEmailInput };
  },
  responses: async () => {
    const User = await import("@voxguard/core/user/schema");
    return { 200: User.Single };
  },
} as const satisfies RouteDefinition;

export const resendVerification = {
  key: "POST /auth/email/resend",
  handler: "functions/auth/resend-verification.handler",
  auth: "session",
  summary: "Mail a new verification link to the caller's address (rate limited)",
  responses: async () => {
    const Account = await import("@voxguard/core/account/schema");
    return { 202: Account.Accepted };
  },
} as const satisfies RouteDefinition;

export const forgotPassword = {
  key: "POST /auth/password/forgot",
  handler: "functions/auth/forgot-password.handler",
  auth: "none",
  summary: "Mail a password reset link; the same answer whether or not an account has the address",
  example: (c) => ({ body: { email: c.email } }),
  request: async () => {
    const Account = await import("@voxguard/core/account/schema");
    return { body: Account.ForgotPasswordInput };
  },
  responses: async () => {
    const Account = await import("@voxguard/core/account/schema");
    return { 202: Account.Accepted };
  },
} as const satisfies RouteDefinition;

export const resetPassword = {
  key: "POST /auth/password/reset",
  handler: "functions/auth/reset-password.handler",
  auth: "none",
  summary: "Set a new password with the mailed token: every session is revoked and a new one issued",
  example: (c) => ({ body: { token: c.tokens.reset, newPassword: `${c.password} reset` } }),
  request: async () => {
    const Account = await import("@voxguard/core/account/schema");
    return { body: Account.ResetPasswordInput };
  },
  responses: async () => {
    const Auth = await import("@voxguard/core/auth/schema");
    return { 200: Auth.AuthResult };
  },
} as const satisfies RouteDefinition;

export const createInvitation = {
  key: "POST /orgs/{orgId}/invitations",
  handler: "functions/orgs/invitations/create.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Invite an email address with a role; only an owner invites admins or owners",
  example: (c) => ({ body: { email: `invitee-${c.unique}@example.com`, role: "member" } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const InvitationInput = await import("@voxguard/core/invitation/input");
    return { params: OrgPath.Params, body: InvitationInput.CreateInput };
  },
  responses: async () => {
    const Invitation = await import("@voxguard/core/invitation/schema");
    return { 201: Invitation.Single };
  },
} as const satisfies RouteDefinition;

export const listInvitations = {
  key: "GET /orgs/{orgId}/invitations",
  handler: "functions/orgs/invitations/list.handler",
  auth: "session",
  orgRole: "admin",
  summary: "An organization's pending invitations, newest first",
  example: () => ({ query: { limit: "10" } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const Invitation = await import("@voxguard/core/invitation/schema");
    return { params: OrgPath.Params, query: Invitation.ListQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Invitation = await import("@voxguard/core/invitation/schema");
    return { 200: Pagination.Page(Invitation.Info) };
  },
} as const satisfies RouteDefinition;

export const revokeInvitation = {
  key: "DELETE /orgs/{orgId}/invitations/{invitationId}",
  handler: "functions/orgs/invitations/revoke.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Revoke a pending invitation",
  request: async () => {
    const Invitation = await import("@voxguard/core/invitation/schema");
    return { params: Invitation.Params };
  },
  responses: async () => ({ 204: null }),
} as const satisfies RouteDefinition;

export const acceptInvitation = {
  key: "POST /invitations/accept",
  handler: "functions/invitations/accept.handler",
  auth: "session",
  summary: "Join an organization with the mailed token, signed in as the invited address",
  example: (c) => ({ body: { token: c.tokens.invitation } }),
  request: async () => {
    const InvitationInput = await import("@voxguard/core/invitation/input");
    return { body: InvitationInput.AcceptInput };
  },
  responses: async () => {
    const Invitation = await import("@voxguard/core/invitation/schema");
    return { 200: Invitation.Accepted };
  },
} as const satisfies RouteDefinition;

// audit
export const listOrgAudit = {
  key: "GET /orgs/{orgId}/audit",
  handler: "functions/audit/list-org.handler",
  auth: "session",
  orgRole: "admin",
  summary: "An organization's audit trail, newest first; `q` searches the action and details",
  example: () => ({ query: { limit: "10" } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const AuditInput = await import("@voxguard/core/audit/input");
    return { params: OrgPath.Params, query: AuditInput.AuditQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Audit = await import("@voxguard/core/audit/schema");
    return { 200: Pagination.Page(Audit.Info) };
  },
} as const satisfies RouteDefinition;

export const exportAudit = {
  key: "POST /orgs/{orgId}/audit/exports",
  handler: "functions/audit/export.handler",
  auth: "session",
  orgRole: "admin",
  summary: "Export an organization's audit trail as gzip NDJSON; answers a presigned download URL",
  example: () => ({ body: {} }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const AuditInput = await import("@voxguard/core/audit/input");
    // Both bounds are optional, so the body may be left out altogether.
    return { params: OrgPath.Params, body: z._default(AuditInput.AuditExportRequest, {}) };
  },
  responses: async () => {
    const Audit = await import("@voxguard/core/audit/schema");
    return { 201: Audit.AuditExportInfo };
  },
} as const satisfies RouteDefinition;

export const listMyAudit = {
  key: "GET /me/audit",
  handler: "functions/audit/list-mine.handler",
  auth: "session",
  summary: "The caller's own audit events, newest first",
  example: () => ({ query: { limit: "10" } }),
  request: async () => {
    const AuditInput = await import("@voxguard/core/audit/input");
    return { query: AuditInput.AuditQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Audit = await import("@voxguard/core/audit/schema");
    return { 200: Pagination.Page(Audit.Info) };
  },
} as const satisfies RouteDefinition;

export const listAllAudit = {
  key: "GET /admin/audit",
  handler: "functions/audit/list-all.handler",
  auth: "platform-admin",
  summary: "Every audit event, newest first (platform administrators)",
  example: () => ({ query: { limit: "10" } }),
  request: async () => {
    const AuditInput = await import("@voxguard/core/audit/input");
    return { query: AuditInput.AuditQuery };
  },
  responses: async () => {
    const Pagination = await import("@voxguard/core/pagination/schema");
    const Audit = await import("@voxguard/core/audit/schema");
    return { 200: Pagination.Page(Audit.Info) };
  },
} as const satisfies RouteDefinition;

// audit seals: the tamper-evident trail's public keys and its verification
export const auditKeys = {
  key: "GET /.well-known/voxguard-audit-keys.json",
  handler: "functions/audit/keys.handler",
  auth: "none",
  summary: "The public keys (JWK set, Ed25519) that verify the audit trail's seals, retired ones included",
  responses: async () => {
    const Seal = await import("@voxguard/core/audit-seal/schema");
    return { 200: Seal.JwkSet() };
  },
} as const satisfies RouteDefinition;

export const verifyAudit = {
  key: "GET /orgs/{orgId}/audit/verify",
  handler: "functions/audit/verify.handler",
  auth: "session",
  orgRole: "admin",
  summary:
    "Recompute an organization's sealed audit chain over a time range: whether it holds, what it covers, the first break",
  example: () => ({ query: { from: "2026-01-01T00:00:00Z" } }),
  request: async () => {
    const OrgPath = await import("@voxguard/core/org/params");
    const SealInput = await import("@voxguard/core/audit-seal/input");
    return { params: OrgPath.Params, query: SealInput.VerifyQuery };
  },
  responses: async () => {
    const Seal = await import("@voxguard/core/audit-seal/schema");
    return { 200: Seal.VerifyResult };
  },
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
