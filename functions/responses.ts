import * as Account from "@voxguard/core/account/schema";
import * as Seal from "@voxguard/core/audit-seal/schema";
import * as Audit from "@voxguard/core/audit/schema";
import * as Auth from "@voxguard/core/auth/schema";
import * as Health from "@voxguard/core/health/schema";
import * as Invitation from "@voxguard/core/invitation/schema";
import * as Member from "@voxguard/core/member/schema";
import * as Org from "@voxguard/core/org/schema";
import * as Pagination from "@voxguard/core/pagination/schema";
import * as Resource from "@voxguard/core/resource/schema";
import * as Session from "@voxguard/core/session/schema";
import * as User from "@voxguard/core/user/schema";
import * as z from "@voxguard/core/zod";
import type { ResponseSchemas, RouteSchemas, RouteTable } from "./edge/route-definition.ts";
import type { routes } from "./routes.ts";

/**
 * What each route answers, by status (null for an empty body): the OpenAPI document and the tests
 * read it, and no function imports it, so building these shapes costs no cold start. Every route
 * of functions/routes.ts has its entry, and nothing else does (the type says so).
 */
export const responses = {
  "GET /health": { 200: Health.HealthInfo, 503: Health.HealthInfo },
  "GET /openapi.json": { 200: z.record(z.string(), z.unknown()) },
  "POST /auth/register": { 201: Auth.AuthResult },
  "POST /auth/login": { 200: Auth.AuthResult },
  "POST /auth/logout": { 204: null },
  "GET /auth/sessions": { 200: Session.List },
  "DELETE /auth/sessions": { 204: null },
  "DELETE /auth/sessions/{sessionId}": { 204: null },
  "GET /me": { 200: User.Single },
  "PATCH /me": { 200: User.Single },
  "POST /me/password": { 200: Session.SessionToken },
  "GET /admin/users": { 200: Pagination.Page(User.Info) },
  "PATCH /admin/users/{userId}": { 200: User.Single },
  "POST /orgs": { 201: Org.Single },
  "GET /orgs": { 200: Pagination.Page(Org.Info) },
  "GET /orgs/{orgId}": { 200: Org.Single },
  "PATCH /orgs/{orgId}": { 200: Org.Single },
  "DELETE /orgs/{orgId}": { 204: null },
  "GET /orgs/{orgId}/members": { 200: Pagination.Page(Member.Info) },
  "PATCH /orgs/{orgId}/members/{userId}": { 200: Member.Single },
  "DELETE /orgs/{orgId}/members/{userId}": { 204: null },
  "POST /orgs/{orgId}/resources": { 201: Resource.Single },
  "GET /orgs/{orgId}/resources": { 200: Pagination.Page(Resource.Info) },
  "GET /orgs/{orgId}/resources/{resourceId}": { 200: Resource.Single },
  "PATCH /orgs/{orgId}/resources/{resourceId}": { 200: Resource.Single },
  "DELETE /orgs/{orgId}/resources/{resourceId}": { 204: null },
  "POST /auth/email/verify": { 200: User.Single },
  "POST /auth/email/resend": { 202: Account.Accepted },
  "POST /auth/password/forgot": { 202: Account.Accepted },
  "POST /auth/password/reset": { 200: Auth.AuthResult },
  "POST /orgs/{orgId}/invitations": { 201: Invitation.Single },
  "GET /orgs/{orgId}/invitations": { 200: Pagination.Page(Invitation.Info) },
  "DELETE /orgs/{orgId}/invitations/{invitationId}": { 204: null },
  "POST /invitations/accept": { 200: Invitation.Accepted },
  "GET /orgs/{orgId}/audit": { 200: Pagination.Page(Audit.Info) },
  "POST /orgs/{orgId}/audit/exports": { 201: Audit.AuditExportInfo },
  "GET /me/audit": { 200: Pagination.Page(Audit.Info) },
  "GET /admin/audit": { 200: Pagination.Page(Audit.Info) },
  "GET /.well-known/voxguard-audit-keys.json": { 200: Seal.JwkSet() },
  "GET /orgs/{orgId}/audit/verify": { 200: Seal.VerifyResult },
} as const satisfies { [K in keyof typeof routes]: ResponseSchemas };

/** Every route's request and response schemas together: for the OpenAPI document and the tests. */
export function routeSchemas<T extends RouteTable>(table: T): Record<keyof T & string, RouteSchemas> {
  const answers: Record<string, ResponseSchemas> = responses;
  return Object.fromEntries(
    Object.entries(table).map(([key, route]) => {
      const documented = answers[key];
      if (!documented) throw new Error(`functions/responses.ts has no entry for ${key}`);
      return [key, { ...route.request, responses: documented }];
    }),
  ) as Record<keyof T & string, RouteSchemas>;
}
