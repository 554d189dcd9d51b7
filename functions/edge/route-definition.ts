import type { Role as OrgRole } from "@voxguard/core/org/schema";
import type * as z from "@voxguard/core/zod";

/** Who may call a route at all; organization roles are checked by the core operation itself. */
export type RouteAuth = "none" | "session" | "platform-admin";
export type { OrgRole };

/** A route's request and response schemas (zod/mini). */
export interface RouteSchemas {
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
  /** Status → body schema; null for an empty body (204). */
  responses: Record<number, z.ZodMiniType | null>;
}

export interface RouteDefinition {
  /** SST's handler notation: file path from the repo root, then the export. */
  handler: `functions/${string}.handler`;
  auth: RouteAuth;
  summary: string;
  /** Routes under /orgs/{orgId}: the least role that may call it (the permission matrix reads this). */
  orgRole?: OrgRole;
  /** "self" routes also accept the member acting on itself (leaving an organization). */
  orgRoleException?: "self";
  /**
   * Builds the route's schemas, importing their modules dynamically: the function behind a route
   * evaluates its own schemas and no other route's (see functions/routes.ts).
   */
  schemas: () => Promise<RouteSchemas>;
}

export type RouteTable = Record<string, RouteDefinition>;

/** Every route's schemas, loaded: for the OpenAPI document and tests that walk the whole table. */
export async function loadSchemas<T extends RouteTable>(table: T): Promise<Record<keyof T & string, RouteSchemas>> {
  const entries = await Promise.all(Object.entries(table).map(async ([key, route]) => [key, await route.schemas()] as const));
  return Object.fromEntries(entries) as Record<keyof T & string, RouteSchemas>;
}
