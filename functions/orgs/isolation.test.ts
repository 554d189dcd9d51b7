import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as z from "@voxguard/core/zod";
import { closeCache } from "@voxguard/core/cache";
import { closeDb, db } from "@voxguard/core/db";
import { atLeast } from "@voxguard/core/access";
import type { Role as OrgRole } from "@voxguard/core/org";
import { startExportStorage, type LocalAws } from "../../test-support/fauxqs.ts";
import { startApi, type TestApi } from "../../test-support/http.ts";
import {
  exampleRequest,
  fillPath,
  orgRoutes,
  paramsOf,
  seedOrg,
  signUpPersonas,
  withQuery,
  type Personas,
} from "../../test-support/org-routes.ts";

/**
 * Cross-tenant probes: the ids of another organization's things, in every path position and in
 * every id-shaped query filter of every route under /orgs, asked by the strongest and the weakest
 * member of the caller's own organization. Nothing may come back but not_found or an empty list.
 */

let api: TestApi;
let aws: LocalAws;
let mine: Personas;
let theirs: Personas;
let a: Awaited<ReturnType<typeof seedOrg>>;
let b: Awaited<ReturnType<typeof seedOrg>>;
let bType: string;
let secrets: string[];

beforeAll(async () => {
  aws = await startExportStorage();
  api = await startApi();
  [mine, theirs] = await Promise.all([signUpPersonas(api), signUpPersonas(api)]);
  a = await seedOrg(mine, "Alpha");
  b = await seedOrg(theirs, "Bravo");
  // Organization B gets an audit trail and a resource type of its own, through its own owner.
  bType = `bravo.${b.orgId.slice(0, 8)}`;
  const created = await api.request("POST", `/orgs/${b.orgId}/resources`, {
    token: theirs.owner.token,
    body: { type: bType, name: "Bravo secret line", config: { pin: "4711" } },
  });
  expect(created.status).toBe(201);
  const patched = await api.request("PATCH", `/orgs/${b.orgId}/resources/${b.resourceId}`, {
    token: theirs.owner.token,
    body: { name: "Bravo renamed line" },
  });
  expect(patched.status).toBe(200);
  // And organization A a trail of its own, so its lists have something to (not) mix with.
  const own = await api.request("POST", `/orgs/${a.orgId}/resources`, {
    token: mine.owner.token,
    body: { type: "alpha.line", name: "Alpha line" },
  });
  expect(own.status).toBe(201);
  secrets = [
    b.orgId,
    b.slug,
    b.name,
    b.resourceId,
    created.body.resource.id,
    "Bravo",
    "4711",
    b.targetUserId,
    b.targetEmail,
    theirs.owner.userId,
    theirs.owner.email,
    bType,
  ];
});

afterAll(async () => {
  await api?.close();
  await aws?.close();
  await closeCache();
  await closeDb();
});

function expectNoTrace(body: unknown): void {
  const text = JSON.stringify(body ?? null);
  for (const secret of secrets) expect(text, `answer mentions ${secret}`).not.toContain(secret);
}

interface Probe {
  name: string;
  method: string;
  target: string;
  body: unknown;
  /** The least role in my own organization that gets past the role check to the lookup. */
  mineNeeds: OrgRole | null;
}

function pathProbes(): Probe[] {
  const probes: Probe[] = [];
  for (const route of orgRoutes.filter((r) => r.path.includes("{orgId}"))) {
    const foreign = paramsOf(b);
    const variants: [string, Record<string, string>][] = [
      ["their organization, their ids", foreign],
      ["their organization, my ids", paramsOf(a, { orgId: b.orgId })],
    ];
    if (route.path.includes("{resourceId}"))
      variants.push(["my organization, their resource", paramsOf(a, { resourceId: b.resourceId })]);
    if (route.path.includes("{userId}")) {
      variants.push(["my organization, their member", paramsOf(a, { userId: b.targetUserId })]);
      variants.push(["my organization, their owner", paramsOf(a, { userId: theirs.owner.userId })]);
    }
    for (const [label, params] of variants) {
      const inMine = params.orgId === a.orgId;
      probes.push({
        name: `${route.key}: ${label}`,
        method: route.method,
        ...exampleRequest(route, a, params),
        mineNeeds: inMine ? route.definition.orgRole! : null,
      });
    }
  }
  return probes;
}

describe("ids of another organization in a path", () => {
  it("answer not_found for every route, every position, to an owner and to a viewer", async () => {
    const probes = pathProbes();
    expect(probes.length).toBeGreaterThanOrEqual(35);
    for (const [role, caller] of [
      ["owner", mine.owner],
      ["viewer", mine.viewer],
    ] as const) {
      for (const probe of probes) {
        const answer = await api.request(probe.method, probe.target, {
          token: caller.token,
          ...(probe.body !== undefined ? { body: probe.body } : {}),
        });
        // In my own organization a viewer may be stopped by the role check first: that says
        // nothing about the other organization either.
        const status = probe.mineNeeds && !atLeast(role, probe.mineNeeds) ? 403 : 404;
        expect(answer.status, `${probe.name} as ${role}: ${JSON.stringify(answer.body)}`).toBe(status);
        expectNoTrace(answer.body);
      }
    }
  });
});

describe("ids of another organization in a query filter", () => {
  const FOREIGN_FILTER: Record<string, () => string> = {
    resourceId: () => b.resourceId,
    userId: () => theirs.owner.userId,
    type: () => bType,
    q: () => "Bravo",
  };

  it("find nothing of theirs in my organization's lists", async () => {
    const unfiltered = await api.request("GET", `/orgs/${a.orgId}/audit`, { token: mine.owner.token });
    expect(unfiltered.body.items.length).toBeGreaterThan(0);
    let probed = 0;
    for (const route of orgRoutes.filter((r) => r.method === "GET" && r.schemas.query)) {
      const keys = Object.keys((route.schemas.query as z.ZodMiniObject).shape);
      for (const key of keys.filter((k) => FOREIGN_FILTER[k])) {
        const path = fillPath(route.path, paramsOf(a));
        const answer = await api.request("GET", withQuery(path, { [key]: FOREIGN_FILTER[key]!() }), {
          token: mine.owner.token,
        });
        expect(answer.status, `${route.key} ?${key}: ${JSON.stringify(answer.body)}`).toBe(200);
        expect(answer.body.items, `${route.key} ?${key}`).toEqual([]);
        expectNoTrace(answer.body);
        probed++;
      }
    }
    // resources ?type, audit ?resourceId ?userId ?q at least.
    expect(probed).toBeGreaterThanOrEqual(4);
  });

  it("never list their organization among mine", async () => {
    for (const caller of [mine.owner, mine.admin, mine.member, mine.viewer, mine.nonMember]) {
      const answer = await api.request("GET", "/orgs?limit=200", { token: caller.token });
      expect(answer.status).toBe(200);
      expectNoTrace(answer.body);
    }
  });
});

describe("after every probe", () => {
  it("their organization is exactly as it was", async () => {
    const org = await db()
      .selectFrom("organizations")
      .select(["name", "slug"])
      .where("id", "=", b.orgId)
      .executeTakeFirst();
    expect(org).toEqual({ name: b.name, slug: b.slug });
    const members = await db()
      .selectFrom("organization_members")
      .select(["user_id", "role"])
      .where("org_id", "=", b.orgId)
      .execute();
    expect(members).toHaveLength(6);
    expect(members.find((m) => m.user_id === b.targetUserId)?.role).toBe("member");
    const resources = await db()
      .selectFrom("resources")
      .select(["id", "name", "status"])
      .where("org_id", "=", b.orgId)
      .execute();
    expect(resources).toHaveLength(2);
    expect(resources.find((r) => r.id === b.resourceId)).toMatchObject({
      name: "Bravo renamed line",
      status: "active",
    });
    const answer = await api.request("GET", `/orgs/${b.orgId}/resources`, { token: theirs.viewer.token });
    expect(answer.body.items).toHaveLength(2);
  });
});
