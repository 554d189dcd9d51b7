// zod core types: classic and zod/mini schemas both fit.
import type { $ZodObject, $ZodType } from "zod/v4/core";

/** Who may call a route at all; organization roles are checked by the core operation itself. */
export type RouteAuth = "none" | "session" | "platform-admin";
export type OrgRole = "owner" | "admin" | "member" | "viewer";

export interface RouteDefinition {
  /** SST's handler notation: file path from the repo root, then the export. */
  handler: `functions/${string}.handler`;
  auth: RouteAuth;
  summary: string;
  /** Routes under /orgs/{orgId}: the least role that may call it (the permission matrix reads this). */
  orgRole?: OrgRole;
  /** "self" routes also accept the member acting on itself (leaving an organization). */
  orgRoleException?: "self";
  params?: $ZodObject;
  query?: $ZodObject;
  body?: $ZodType;
  /** Status → body schema; null for an empty body (204). */
  responses: Record<number, $ZodType | null>;
}

export type RouteTable = Record<string, RouteDefinition>;
