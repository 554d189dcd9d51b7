import * as z from "zod";
import { HealthInfo } from "@voxguard/core/health/schema";
import { AuthResult, LoginInput, RegisterInput } from "@voxguard/core/auth/schema";
import { SessionList, SessionParams, SessionToken } from "@voxguard/core/session/schema";
import { AdminUpdateUserInput, ChangePasswordInput, UpdateUserInput, UserInfo, UserListQuery, UserParams, UserResult } from "@voxguard/core/user/schema";
import { AuditEventInfo, AuditExportInfo, AuditExportRequest, AuditQuery } from "@voxguard/core/audit/schema";
import * as SealSchema from "@voxguard/core/audit-seal/schema";
import { Page } from "@voxguard/core/pagination/schema";
import * as AccountSchema from "@voxguard/core/account/schema";
import * as InvitationSchema from "@voxguard/core/invitation/schema";
import * as MemberSchema from "@voxguard/core/member/schema";
import * as OrgSchema from "@voxguard/core/org/schema";
import * as ResourceSchema from "@voxguard/core/resource/schema";
import type { RouteTable } from "./edge/route-definition.ts";

/**
 * THE route table. infra/api.ts deploys exactly these routes, the local server serves them and
 * GET /openapi.json documents them. Keys are API Gateway route keys.
 */
export const routes = {
  "GET /health": {
    handler: "functions/meta/health.handler",
    auth: "none",
    summary: "Health of the service and its dependencies",
    responses: { 200: HealthInfo, 503: HealthInfo },
  },
  "GET /openapi.json": {
    handler: "functions/meta/openapi.handler",
    auth: "none",
    summary: "This API's OpenAPI 3.1 document",
    responses: { 200: z.record(z.string(), z.unknown()) },
  },
  // identity
  "POST /auth/register": {
    handler: "functions/auth/register.handler",
    auth: "none",
    summary: "Create an account and sign in",
    body: RegisterInput,
    responses: { 201: AuthResult },
  },
  "POST /auth/login": {
    handler: "functions/auth/login.handler",
    auth: "none",
    summary: "Sign in with email and password; failed attempts are limited per account and per IP",
    body: LoginInput,
    responses: { 200: AuthResult },
  },
  "POST /auth/logout": {
    handler: "functions/auth/logout.handler",
    auth: "session",
    summary: "End the current session",
    responses: { 204: null },
  },
  "GET /auth/sessions": {
    handler: "functions/auth/list-sessions.handler",
    auth: "session",
    summary: "The caller's live sessions",
    responses: { 200: SessionList },
  },
  "DELETE /auth/sessions": {
    handler: "functions/auth/revoke-other-sessions.handler",
    auth: "session",
    summary: "Revoke every session of the caller but the current one",
    responses: { 204: null },
  },
  "DELETE /auth/sessions/{sessionId}": {
    handler: "functions/auth/revoke-session.handler",
    auth: "session",
    summary: "Revoke one of the caller's sessions",
    params: SessionParams,
    responses: { 204: null },
  },
  "GET /me": {
    handler: "functions/me/get.handler",
    auth: "session",
    summary: "The caller's account",
    responses: { 200: UserResult },
  },
  "PATCH /me": {
    handler: "functions/me/update.handler",
    auth: "session",
    summary: "Change the caller's display name",
    body: UpdateUserInput,
    responses: { 200: UserResult },
  },
  "POST /me/password": {
    handler: "functions/me/change-password.handler",
    auth: "session",
    summary: "Change the password: every session, the current one too, is revoked and a new token issued",
    body: ChangePasswordInput,
    responses: { 200: SessionToken },
  },
  "GET /admin/users": {
    handler: "functions/admin/list-users.handler",
    auth: "platform-admin",
    summary: "Every user, newest first; `q` matches email or display name (platform administrators)",
    query: UserListQuery,
    responses: { 200: Page(UserInfo) },
  },
  "PATCH /admin/users/{userId}": {
    handler: "functions/admin/update-user.handler",
    auth: "platform-admin",
    summary: "Suspend, reactivate, promote or demote a user; suspending revokes every session (platform administrators)",
    params: UserParams,
    body: AdminUpdateUserInput,
    responses: { 200: UserResult },
  },
  // tenancy
  "POST /orgs": {
    handler: "functions/orgs/create.handler",
    auth: "session",
    summary: "Create an organization; the caller becomes its owner",
    body: OrgSchema.CreateInput,
    responses: { 201: OrgSchema.Single },
  },
  "GET /orgs": {
    handler: "functions/orgs/list.handler",
    auth: "session",
    summary: "The organizations the caller belongs to, with the caller's role, newest first",
    query: OrgSchema.ListQuery,
    responses: { 200: Page(OrgSchema.Info) },
  },
  "GET /orgs/{orgId}": {
    handler: "functions/orgs/get.handler",
    auth: "session",
    orgRole: "viewer",
    summary: "One organization",
    params: OrgSchema.Params,
    responses: { 200: OrgSchema.Single },
  },
  "PATCH /orgs/{orgId}": {
    handler: "functions/orgs/update.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Rename an organization or replace its metadata; the plan only by a platform administrator",
    params: OrgSchema.Params,
    body: OrgSchema.UpdateInput,
    responses: { 200: OrgSchema.Single },
  },
  "DELETE /orgs/{orgId}": {
    handler: "functions/orgs/remove.handler",
    auth: "session",
    orgRole: "owner",
    summary: "Delete an organization with its members and resources",
    params: OrgSchema.Params,
    responses: { 204: null },
  },
  "GET /orgs/{orgId}/members": {
    handler: "functions/orgs/members/list.handler",
    auth: "session",
    orgRole: "viewer",
    summary: "An organization's members, newest first",
    params: OrgSchema.Params,
    query: MemberSchema.ListQuery,
    responses: { 200: Page(MemberSchema.Info) },
  },
  "PATCH /orgs/{orgId}/members/{userId}": {
    handler: "functions/orgs/members/update.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Change a member's role; only an owner grants or takes admin or owner; the last owner stays",
    params: MemberSchema.Params,
    body: MemberSchema.UpdateInput,
    responses: { 200: MemberSchema.Single },
  },
  "DELETE /orgs/{orgId}/members/{userId}": {
    handler: "functions/orgs/members/remove.handler",
    auth: "session",
    orgRole: "admin",
    orgRoleException: "self",
    summary: "Remove a member, or leave (any member may remove itself); the last owner stays",
    params: MemberSchema.Params,
    responses: { 204: null },
  },
  "POST /orgs/{orgId}/resources": {
    handler: "functions/orgs/resources/create.handler",
    auth: "session",
    orgRole: "member",
    summary: "Create a resource",
    params: OrgSchema.Params,
    body: ResourceSchema.CreateInput,
    responses: { 201: ResourceSchema.Single },
  },
  "GET /orgs/{orgId}/resources": {
    handler: "functions/orgs/resources/list.handler",
    auth: "session",
    orgRole: "viewer",
    summary: "An organization's resources, newest first, optionally of one type or status",
    params: OrgSchema.Params,
    query: ResourceSchema.ListQuery,
    responses: { 200: Page(ResourceSchema.Info) },
  },
  "GET /orgs/{orgId}/resources/{resourceId}": {
    handler: "functions/orgs/resources/get.handler",
    auth: "session",
    orgRole: "viewer",
    summary: "One resource",
    params: ResourceSchema.Params,
    responses: { 200: ResourceSchema.Single },
  },
  "PATCH /orgs/{orgId}/resources/{resourceId}": {
    handler: "functions/orgs/resources/update.handler",
    auth: "session",
    orgRole: "member",
    summary: "Rename a resource, replace its config or change its status",
    params: ResourceSchema.Params,
    body: ResourceSchema.UpdateInput,
    responses: { 200: ResourceSchema.Single },
  },
  "DELETE /orgs/{orgId}/resources/{resourceId}": {
    handler: "functions/orgs/resources/remove.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Delete a resource",
    params: ResourceSchema.Params,
    responses: { 204: null },
  },
  // account lifecycle by email: verification, password reset, invitations
  "POST /auth/email/verify": {
    handler: "functions/auth/verify-email.handler",
    auth: "none",
    summary: "Verify the account's email address with the mailed token",
    body: AccountSchema.VerifyEmailInput,
    responses: { 200: UserResult },
  },
  "POST /auth/email/resend": {
    handler: "functions/auth/resend-verification.handler",
    auth: "session",
    summary: "Mail a new verification link to the caller's address (rate limited)",
    responses: { 202: AccountSchema.Accepted },
  },
  "POST /auth/password/forgot": {
    handler: "functions/auth/forgot-password.handler",
    auth: "none",
    summary: "Mail a password reset link; the same answer whether or not an account has the address",
    body: AccountSchema.ForgotPasswordInput,
    responses: { 202: AccountSchema.Accepted },
  },
  "POST /auth/password/reset": {
    handler: "functions/auth/reset-password.handler",
    auth: "none",
    summary: "Set a new password with the mailed token: every session is revoked and a new one issued",
    body: AccountSchema.ResetPasswordInput,
    responses: { 200: AuthResult },
  },
  "POST /orgs/{orgId}/invitations": {
    handler: "functions/orgs/invitations/create.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Invite an email address with a role; only an owner invites admins or owners",
    params: OrgSchema.Params,
    body: InvitationSchema.CreateInput,
    responses: { 201: InvitationSchema.Single },
  },
  "GET /orgs/{orgId}/invitations": {
    handler: "functions/orgs/invitations/list.handler",
    auth: "session",
    orgRole: "admin",
    summary: "An organization's pending invitations, newest first",
    params: OrgSchema.Params,
    query: InvitationSchema.ListQuery,
    responses: { 200: Page(InvitationSchema.Info) },
  },
  "DELETE /orgs/{orgId}/invitations/{invitationId}": {
    handler: "functions/orgs/invitations/revoke.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Revoke a pending invitation",
    params: InvitationSchema.Params,
    responses: { 204: null },
  },
  "POST /invitations/accept": {
    handler: "functions/invitations/accept.handler",
    auth: "session",
    summary: "Join an organization with the mailed token, signed in as the invited address",
    body: InvitationSchema.AcceptInput,
    responses: { 200: InvitationSchema.Accepted },
  },
  // audit
  "GET /orgs/{orgId}/audit": {
    handler: "functions/audit/list-org.handler",
    auth: "session",
    orgRole: "admin",
    summary: "An organization's audit trail, newest first; `q` searches the action and details",
    params: OrgSchema.Params,
    query: AuditQuery,
    responses: { 200: Page(AuditEventInfo) },
  },
  "POST /orgs/{orgId}/audit/exports": {
    handler: "functions/audit/export.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Export an organization's audit trail as gzip NDJSON; answers a presigned download URL",
    params: OrgSchema.Params,
    // Both bounds are optional, so the body may be left out altogether.
    body: AuditExportRequest.default({}),
    responses: { 201: AuditExportInfo },
  },
  "GET /me/audit": {
    handler: "functions/audit/list-mine.handler",
    auth: "session",
    summary: "The caller's own audit events, newest first",
    query: AuditQuery,
    responses: { 200: Page(AuditEventInfo) },
  },
  "GET /admin/audit": {
    handler: "functions/audit/list-all.handler",
    auth: "platform-admin",
    summary: "Every audit event, newest first (platform administrators)",
    query: AuditQuery,
    responses: { 200: Page(AuditEventInfo) },
  },
  // audit seals: the tamper-evident trail's public keys and its verification
  "GET /.well-known/voxguard-audit-keys.json": {
    handler: "functions/audit/keys.handler",
    auth: "none",
    summary: "The public keys (JWK set, Ed25519) that verify the audit trail's seals, retired ones included",
    responses: { 200: SealSchema.JwkSet },
  },
  "GET /orgs/{orgId}/audit/verify": {
    handler: "functions/audit/verify.handler",
    auth: "session",
    orgRole: "admin",
    summary: "Recompute an organization's sealed audit chain over a time range: whether it holds, what it covers, the first break",
    params: OrgSchema.Params,
    query: SealSchema.VerifyQuery,
    responses: { 200: SealSchema.VerifyResult },
  },
} as const satisfies RouteTable;
