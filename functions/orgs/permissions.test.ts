import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCache } from "@voxguard/core/cache";
import { closeDb } from "@voxguard/core/db";
import { atLeast } from "@voxguard/core/access";
import type { RouteDefinition, RouteSchemas } from "../edge/route-definition.ts";
import { startExportStorage, type LocalAws } from "../../test-support/fauxqs.ts";
import { startApi, type TestApi } from "../../test-support/http.ts";
import {
  exampleRequest,
  orgRoutes,
  paramsOf,
  seedOrg,
  signUpPersonas,
  successStatus,
  type Personas,
} from "../../test-support/org-routes.ts";

/**
 * The permission matrix: every route under /orgs × every kind of caller, the expected status
 * derived from the route table's auth and orgRole. A route added without orgRole, or without an
 * example request that succeeds, fails here.
 */

const PERSONAS = ["owner", "admin", "member", "viewer", "nonMember", "platformAdmin", "anonymous"] as const;
type PersonaName = (typeof PERSONAS)[number];

let api: TestApi;
let aws: LocalAws;
let personas: Personas;

beforeAll(async () => {
  // The audit export route writes to object storage: a local S3 with the configured bucket.
  aws = await startExportStorage();
  api = await startApi();
  personas = await signUpPersonas(api);
});

afterAll(async () => {
  await api?.close();
  await aws?.close();
  await closeCache();
  await closeDb();
});

/** What `persona` should get from `definition`; `self` is a member route aimed at the caller itself. */
function expected(
  path: string,
  definition: RouteDefinition,
  schemas: RouteSchemas,
  persona: PersonaName,
  self: boolean,
): number {
  const success = successStatus(schemas);
  if (persona === "anonymous") return definition.auth === "none" ? success : 401;
  if (definition.auth === "platform-admin") return persona === "platformAdmin" ? success : 403;
  if (!path.startsWith("/orgs/{orgId}")) return success;
  if (!definition.orgRole) throw new Error(`${path} lies under an organization but has no orgRole in the route table`);
  if (persona === "nonMember") return 404;
  // Platform administrators pass every check; acting on "themselves" they name no member.
  if (persona === "platformAdmin") return self ? 404 : success;
  if (self) {
    if (definition.orgRoleException !== "self") throw new Error("self calls exist only for orgRoleException routes");
    return success;
  }
  return atLeast(persona, definition.orgRole) ? success : 403;
}

const CODE: Record<number, string> = { 401: "unauthorized", 403: "forbidden", 404: "not_found" };

describe("the route table", () => {
  it("has routes under /orgs, each under an organization with an orgRole", () => {
    expect(orgRoutes.length).toBeGreaterThanOrEqual(16);
    for (const route of orgRoutes) {
      if (route.path.startsWith("/orgs/{orgId}")) expect(route.definition.orgRole, route.key).toBeDefined();
      else expect(route.definition.orgRole, route.key).toBeUndefined();
    }
  });
});

const cases = orgRoutes.flatMap((route) => {
  const variants = [
    ...PERSONAS.map((persona) => ({ ...route, persona, self: false })),
    ...(route.definition.orgRoleException === "self"
      ? PERSONAS.map((persona) => ({ ...route, persona, self: true }))
      : []),
  ];
  return variants.map((variant) => ({
    ...variant,
    name: `${variant.key}${variant.self ? " (on itself)" : ""} as ${variant.persona}`,
  }));
});

describe("the permission matrix", () => {
  it.each(cases)("$name", async ({ key, method, path, definition, schemas, persona, self }) => {
    const status = expected(path, definition, schemas, persona, self);
    const ids = await seedOrg(personas);
    const caller = persona === "anonymous" ? undefined : personas[persona];
    const params = paramsOf(ids, self ? { userId: caller?.userId ?? ids.targetUserId } : {});
    const { target, body } = exampleRequest({ key, path }, ids, params);
    const answer = await api.request(method, target, {
      ...(caller ? { token: caller.token } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    if (status >= 400) {
      expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(answer.body.code).toBe(CODE[status]);
      // An answer that refuses says nothing about the organization.
      const text = JSON.stringify(answer.body);
      for (const secret of [ids.name, ids.slug, ids.resourceId, ids.targetEmail]) expect(text).not.toContain(secret);
    } else {
      const schema = schemas.responses[status];
      if (schema) expect(() => schema.parse(answer.body)).not.toThrow();
      else expect(answer.body).toBeUndefined();
    }
  });
});
