import type { Role as OrgRole } from "@voxguard/core/org/schema";
import type * as z from "@voxguard/core/zod";

/** Who may call a route at all; organization roles are checked by the core operation itself. */
export type RouteAuth = "none" | "session" | "platform-admin";
export type { OrgRole };

/** What a route parses from a request (zod/mini). */
export interface RequestSchemas {
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.ZodMiniType;
}

/** Status → body schema; null for an empty body (204). */
export type ResponseSchemas = Record<number, z.ZodMiniType | null>;

/** A route's request and response schemas together, as the OpenAPI document and the tests read them. */
export interface RouteSchemas extends RequestSchemas {
  responses: ResponseSchemas;
}

/**
 * What a route's example request is made of: the ids of a world the caller may act in, and the
 * caller's credentials. The OpenAPI document passes sample values; tests pass a seeded world's.
 */
export interface ExampleContext {
  /** Path parameters, by name. */
  params: { orgId: string; resourceId: string; userId: string; sessionId: string; invitationId: string };
  /** The caller's address and password. */
  email: string;
  password: string;
  /** Different on every call: for what must not collide (a new account's address, a slug). */
  unique: string;
  /** One-time tokens as the mails carry them: the caller's (the invitation's is to the caller's address). */
  tokens: { verify: string; reset: string; invitation: string };
}

/** A valid request, path parameters aside (they come from the context by name). */
export interface RouteExample {
  query?: Record<string, string>;
  body?: unknown;
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteDefinition {
  /** The API Gateway route key, and the route table's key. */
  key: `${Method} /${string}`;
  /** SST's handler notation: file path from the repo root, then the export. */
  handler: `functions/${string}.handler`;
  auth: RouteAuth;
  summary: string;
  /** Routes under /orgs/{orgId}: the least role that may call it (the permission matrix reads this). */
  orgRole?: OrgRole;
  /** "self" routes also accept the member acting on itself (leaving an organization). */
  orgRoleException?: "self";
  /**
   * A request that succeeds: the OpenAPI document's example, the permission matrix's and the
   * hostile-input tests' starting point. Needed when the route takes a body or a required query.
   */
  example?: (context: ExampleContext) => RouteExample;
  /**
   * What the route parses, from schema modules imported at the top of functions/routes.ts: the
   * function behind a route builds these when it loads, and no other route's. Absent when the route
   * takes no parameters, query or body.
   */
  request?: RequestSchemas;
}

export type RouteTable = Record<string, RouteDefinition>;

/** The route table: definitions by their keys. A key stated twice is an error at load. */
export function byKey<const T extends readonly RouteDefinition[]>(definitions: T): { [D in T[number] as D["key"]]: D } {
  const table: RouteTable = {};
  for (const definition of definitions) {
    if (table[definition.key]) throw new Error(`route table: ${definition.key} is defined twice`);
    table[definition.key] = definition;
  }
  return table as { [D in T[number] as D["key"]]: D };
}
