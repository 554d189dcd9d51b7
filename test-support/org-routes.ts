import { randomUUID } from "node:crypto";
import { db } from "@voxguard/core/db";
import type { Role as OrgRole } from "@voxguard/core/org/schema";
import { routeSchemas } from "../functions/responses.ts";
import { routes } from "../functions/routes.ts";
import type { ExampleContext, RouteDefinition, RouteSchemas } from "../functions/edge/route-definition.ts";
import type { TestApi } from "./http.ts";
import { makePlatformAdmin, PASSWORD, signUp } from "./identity.ts";

export type { OrgRole };

const SCHEMAS = routeSchemas(routes);

/** Every route under /orgs, straight from the route table, with its schemas. */
export const orgRoutes = Object.entries(routes as Record<string, RouteDefinition>)
  .filter(([key]) => key.split(" ")[1]!.startsWith("/orgs"))
  .map(([key, definition]) => ({
    key,
    method: key.split(" ")[0]!,
    path: key.split(" ")[1]!,
    definition,
    schemas: SCHEMAS[key as keyof typeof routes],
  }));

/** The one 2xx a route answers when it works. */
export function successStatus(schemas: RouteSchemas): number {
  const statuses = Object.keys(schemas.responses)
    .map(Number)
    .filter((status) => status >= 200 && status < 300);
  if (statuses.length !== 1) throw new Error(`expected exactly one 2xx response, found ${statuses.join(", ")}`);
  return statuses[0]!;
}

/** One organization's ids: what a call's path parameters and bodies are made of. */
export interface OrgIds {
  orgId: string;
  resourceId: string;
  /** A plain member nobody acts as, the target of member routes. */
  targetUserId: string;
  /** A user outside the organization, the one POST /invitations invites. */
  outsiderEmail: string;
  /** A pending invitation, the target of invitation routes. */
  invitationId: string;
}

export interface Call {
  query?: Record<string, string>;
  body?: unknown;
}

/**
 * What the routes under /orgs need of an example: this organization's ids. Nothing there signs in
 * or redeems a mailed token, so those stay values no route accepts.
 */
function orgContext(ids: OrgIds): ExampleContext {
  return {
    params: {
      orgId: ids.orgId,
      resourceId: ids.resourceId,
      userId: ids.targetUserId,
      sessionId: "",
      invitationId: ids.invitationId,
    },
    email: "",
    password: "",
    unique: randomUUID(),
    tokens: { verify: "", reset: "", invitation: "" },
  };
}

/**
 * A valid request for every route under /orgs: its example in the route table, in a seeded
 * organization. The permission matrix and the cross-tenant probes both read it through exampleRequest.
 */
const ROUTE_CALLS: Record<string, (ids: OrgIds) => Call> = Object.fromEntries(
  orgRoutes.map(({ key, definition }) => [key, (ids: OrgIds): Call => definition.example?.(orgContext(ids)) ?? {}]),
);

/** The path with its parameters filled in; an unknown parameter is an error, not a silent gap. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} in ${path}`);
    return encodeURIComponent(value);
  });
}

export function paramsOf(ids: OrgIds, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    orgId: ids.orgId,
    resourceId: ids.resourceId,
    userId: ids.targetUserId,
    invitationId: ids.invitationId,
    ...overrides,
  };
}

export function withQuery(path: string, query: Record<string, string> | undefined): string {
  return query && Object.keys(query).length > 0 ? `${path}?${new URLSearchParams(query)}` : path;
}

/**
 * A route's valid request in organization `ids`, sent to the path `params` fill in (by default the
 * same organization's ids; a probe swaps some for another organization's).
 */
export function exampleRequest(
  route: { key: string; path: string },
  ids: OrgIds,
  params: Record<string, string> = paramsOf(ids),
): { target: string; body: unknown } {
  const call = ROUTE_CALLS[route.key];
  if (!call) throw new Error(`no request for ${route.key} in ROUTE_CALLS`);
  const { query, body } = call(ids);
  return { target: withQuery(fillPath(route.path, params), query), body };
}

export interface Persona {
  userId: string;
  token: string;
  email: string;
}

export interface Personas {
  owner: Persona;
  admin: Persona;
  member: Persona;
  viewer: Persona;
  nonMember: Persona;
  platformAdmin: Persona;
}

/** Users with real sessions, registered and signed in through the API as clients would. */
export async function signUpPersonas(api: TestApi): Promise<Personas> {
  const one = async (label: string): Promise<Persona> => {
    const signed = await signUp(api, { email: `${label}-${randomUUID()}@example.test`, displayName: label });
    return { userId: signed.user.id, token: signed.token, email: signed.email };
  };
  const [owner, admin, member, viewer, nonMember, platformAdmin] = await Promise.all(
    ["owner", "admin", "member", "viewer", "non-member", "platform-admin"].map(one),
  );
  // Promoted in the database, then signed in again so the session carries the role from the start.
  await makePlatformAdmin(platformAdmin!.userId);
  const login = await api.request("POST", "/auth/login", { body: { email: platformAdmin!.email, password: PASSWORD } });
  if (login.status !== 200) throw new Error(`platform admin login answered ${login.status}`);
  return {
    owner: owner!,
    admin: admin!,
    member: member!,
    viewer: viewer!,
    nonMember: nonMember!,
    platformAdmin: { ...platformAdmin!, token: login.body.token },
  };
}

/**
 * Makes a user a member behind the API's back: setup for tests about what members do. Joining
 * itself (invitation, mail, accept) is tested over HTTP in functions/account.
 */
export async function addMember(orgId: string, userId: string, role: OrgRole): Promise<void> {
  await db().insertInto("organization_members").values({ org_id: orgId, user_id: userId, role }).execute();
}

/** A voice line of the organization's, written straight to the database. */
export async function insertResource(orgId: string, name: string, number: string): Promise<string> {
  const { id } = await db()
    .insertInto("resources")
    .values({ org_id: orgId, type: "voice.line", name, config: JSON.stringify({ number }) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

/** A pending invitation, valid for a day, written straight to the database. */
export async function insertInvitation(
  orgId: string,
  invitedBy: string,
  invitee: { email?: string; role?: OrgRole } = {},
): Promise<string> {
  const { id } = await db()
    .insertInto("invitations")
    .values({
      org_id: orgId,
      email: invitee.email ?? `invitee-${orgId}@example.test`,
      role: invitee.role ?? "member",
      invited_by: invitedBy,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

async function insertUser(label: string): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = `${label}-${id}@example.test`;
  await db().insertInto("users").values({ id, email, display_name: label, password_hash: null }).execute();
  return { id, email };
}

/**
 * A fresh organization for one call, written straight to the database: the personas in their
 * roles, a second owner (so the owner may leave), a target member, a resource and an outsider.
 */
export async function seedOrg(
  personas: Pick<Personas, OrgRole>,
  label = "Seeded",
): Promise<OrgIds & { slug: string; name: string; targetEmail: string }> {
  const orgId = randomUUID();
  const slug = `seed-${orgId}`;
  const name = `${label} ${orgId.slice(0, 8)}`;
  await db()
    .insertInto("organizations")
    .values({ id: orgId, name, slug, metadata: JSON.stringify({ label }) })
    .execute();
  const coOwner = await insertUser("co-owner");
  const target = await insertUser("target");
  const outsider = await insertUser("outsider");
  await db()
    .insertInto("organization_members")
    .values([
      { org_id: orgId, user_id: personas.owner.userId, role: "owner" },
      { org_id: orgId, user_id: coOwner.id, role: "owner" },
      { org_id: orgId, user_id: personas.admin.userId, role: "admin" },
      { org_id: orgId, user_id: personas.member.userId, role: "member" },
      { org_id: orgId, user_id: personas.viewer.userId, role: "viewer" },
      { org_id: orgId, user_id: target.id, role: "member" },
    ])
    .execute();
  const resourceId = await insertResource(orgId, `${label} line ${orgId.slice(0, 8)}`, "+15550199");
  // For a member: an admin may revoke it (an admin's role rules).
  const invitationId = await insertInvitation(orgId, personas.owner.userId);
  return {
    orgId,
    slug,
    name,
    resourceId,
    targetUserId: target.id,
    targetEmail: target.email,
    outsiderEmail: outsider.email,
    invitationId,
  };
}
