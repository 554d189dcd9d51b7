// The workload: clients registering and then running weighted actions on their organizations.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { call, now, owe } from "./record.ts";
import { BACKOFF_MS, PASSWORD, SEED } from "./settings.ts";

export const runTag = randomBytes(4).toString("hex");
/** Registered accounts any client may add to its organizations. */
const emails: string[] = [];

/** mulberry32: a seeded generator, so a rerun with the same LOAD_SEED makes the same choices. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  ["GET /me", 10],
  ["GET /orgs", 5],
  ["POST /orgs", 3],
  ["PATCH /orgs/{orgId}", 4],
  ["DELETE /orgs/{orgId}", 1],
  ["POST /orgs/{orgId}/resources", 12],
  ["GET /orgs/{orgId}/resources", 8],
  ["GET /orgs/{orgId}/resources/{resourceId}", 8],
  ["PATCH /orgs/{orgId}/resources/{resourceId}", 8],
  ["DELETE /orgs/{orgId}/resources/{resourceId}", 4],
  ["POST /orgs/{orgId}/invitations", 3],
  ["GET /orgs/{orgId}/members", 4],
  ["GET /orgs/{orgId}/audit", 4],
  ["GET /me/audit", 3],
  ["POST /auth/login", 2],
  ["POST /auth/register", 1],
] as const;
type Action = (typeof ACTIONS)[number][0];
const TOTAL_WEIGHT = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);

function pick(rng: () => number): Action {
  let roll = rng() * TOTAL_WEIGHT;
  for (const [action, weight] of ACTIONS) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return ACTIONS[0][0];
}

export interface Org {
  id: string;
  resources: string[];
  members: Set<string>;
}

/** 401s a client got with a token it had every reason to think valid: sessions lost to a fault. */
let refusedSessions = 0;

/**
 * What the clients saw committed and still hold: each must be in the database at the end. A
 * delete answered 5xx may or may not have committed; its target is left out rather than guessed.
 */
const held: Org[] = [];

/**
 * One client: registers, then loops over weighted actions on its own organizations until the
 * deadline. Every answer is recorded; every 2xx change adds the audit event it owes.
 */
export async function runClient(index: number, deadline: number): Promise<void> {
  const rng = random(SEED * 1_000 + index);
  const email = `load-${index}-${runTag}@example.test`;
  let token: string | undefined;
  const orgs: Org[] = [];
  let n = 0;

  async function signIn(): Promise<number> {
    const answer = await call("POST /auth/login", "/auth/login", undefined, { email, password: PASSWORD });
    if (answer.status === 200) {
      token = answer.body.token;
      owe("auth.login");
    }
    return answer.status;
  }

  while (!token && now() < deadline) {
    const answer = await call("POST /auth/register", "/auth/register", undefined, {
      email,
      password: PASSWORD,
      displayName: `Load ${index}`,
    });
    if (answer.status === 201) {
      token = answer.body.token;
      owe("user.registered");
      emails.push(email);
    } else if (answer.status === 409) {
      // Registered by an attempt whose answer was lost: sign in instead.
      await signIn();
    } else await sleep(BACKOFF_MS);
  }

  const org = () => orgs[Math.floor(rng() * orgs.length)];

  async function perform(action: Action): Promise<number> {
    n++;
    const target = org();
    switch (action) {
      case "GET /me":
        return (await call(action, "/me", token)).status;
      case "GET /orgs":
        return (await call(action, "/orgs?limit=20", token)).status;
      case "POST /orgs": {
        if (orgs.length >= 6) return perform("PATCH /orgs/{orgId}");
        const answer = await call(action, "/orgs", token, {
          name: `Load org ${index}-${n}`,
          slug: `load-${runTag}-${index}-${n}`,
          metadata: { client: index },
        });
        if (answer.status === 201) {
          orgs.push({ id: answer.body.org.id, resources: [], members: new Set([email]) });
          owe("org.created");
        }
        return answer.status;
      }
      case "PATCH /orgs/{orgId}": {
        if (!target) return perform("POST /orgs");
        const answer = await call(action, `/orgs/${target.id}`, token, { name: `Load org ${index}-${n} renamed` });
        if (answer.status === 200) owe("org.updated");
        return answer.status;
      }
      case "DELETE /orgs/{orgId}": {
        if (!target || orgs.length < 2) return perform("GET /orgs");
        const answer = await call(action, `/orgs/${target.id}`, token);
        if (answer.status === 204) owe("org.deleted");
        if (answer.status === 204 || answer.status === 0 || answer.status >= 500) orgs.splice(orgs.indexOf(target), 1);
        return answer.status;
      }
      case "POST /orgs/{orgId}/resources": {
        if (!target) return perform("POST /orgs");
        const answer = await call(action, `/orgs/${target.id}/resources`, token, {
          type: "voice.line",
          name: `Line ${index}-${n}`,
          config: { number: `+1555${String(n).padStart(7, "0")}` },
        });
        if (answer.status === 201) {
          target.resources.push(answer.body.resource.id);
          owe("resource.created");
        }
        return answer.status;
      }
      case "GET /orgs/{orgId}/resources":
        if (!target) return perform("POST /orgs");
        return (await call(action, `/orgs/${target.id}/resources?limit=20`, token)).status;
      case "GET /orgs/{orgId}/resources/{resourceId}":
      case "PATCH /orgs/{orgId}/resources/{resourceId}":
      case "DELETE /orgs/{orgId}/resources/{resourceId}": {
        if (!target) return perform("POST /orgs");
        const resourceId = target.resources[Math.floor(rng() * target.resources.length)];
        if (!resourceId) return perform("POST /orgs/{orgId}/resources");
        const url = `/orgs/${target.id}/resources/${resourceId}`;
        if (action === "GET /orgs/{orgId}/resources/{resourceId}") return (await call(action, url, token)).status;
        if (action === "PATCH /orgs/{orgId}/resources/{resourceId}") {
          // A new name every time: a patch that changes nothing succeeds without an audit event.
          const answer = await call(action, url, token, { name: `Line ${index}-${n} renamed` });
          if (answer.status === 200) owe("resource.updated");
          return answer.status;
        }
        const answer = await call(action, url, token);
        if (answer.status === 204) owe("resource.deleted");
        if (answer.status === 204 || answer.status === 0 || answer.status >= 500)
          target.resources.splice(target.resources.indexOf(resourceId), 1);
        return answer.status;
      }
      case "POST /orgs/{orgId}/invitations": {
        // Members join by accepting a mailed invitation; the load run only sends invitations.
        if (!target) return perform("POST /orgs");
        const candidates = emails.filter((candidate) => !target.members.has(candidate));
        if (candidates.length === 0) return perform("GET /orgs/{orgId}/members");
        const candidate = candidates[Math.floor(rng() * candidates.length)]!;
        const answer = await call(action, `/orgs/${target.id}/invitations`, token, {
          email: candidate,
          role: "member",
        });
        if (answer.status === 201) owe("invitation.created");
        return answer.status;
      }
      case "GET /orgs/{orgId}/members":
        if (!target) return perform("POST /orgs");
        return (await call(action, `/orgs/${target.id}/members?limit=20`, token)).status;
      case "GET /orgs/{orgId}/audit":
        if (!target) return perform("POST /orgs");
        return (await call(action, `/orgs/${target.id}/audit?limit=20`, token)).status;
      case "GET /me/audit":
        return (await call(action, "/me/audit?limit=20", token)).status;
      case "POST /auth/login":
        return signIn();
      case "POST /auth/register": {
        const extra = `load-${index}-x${n}-${runTag}@example.test`;
        const answer = await call(action, "/auth/register", undefined, {
          email: extra,
          password: PASSWORD,
          displayName: `Load ${index} extra`,
        });
        if (answer.status === 201) {
          owe("user.registered");
          emails.push(extra);
        }
        return answer.status;
      }
    }
  }

  while (token && now() < deadline) {
    const status = await perform(pick(rng));
    if (status === 401) {
      refusedSessions++;
      await signIn();
    }
    if (status === 0 || status >= 500) await sleep(BACKOFF_MS);
  }
  held.push(...orgs);
}

/** Held organizations, resources and memberships the database does not have: committed changes lost. */
export async function missingFromDatabase(probe: pg.Pool): Promise<{ checked: number; missing: string[] }> {
  const orgIds = held.map((org) => org.id);
  const resourceIds = held.flatMap((org) => org.resources);
  const [orgs, resources, members] = await Promise.all([
    probe.query<{ id: string }>("SELECT id FROM organizations WHERE id = ANY($1::uuid[])", [orgIds]),
    probe.query<{ id: string }>("SELECT id FROM resources WHERE id = ANY($1::uuid[])", [resourceIds]),
    probe.query<{ org_id: string; email: string }>(
      "SELECT m.org_id, u.email FROM organization_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ANY($1::uuid[])",
      [orgIds],
    ),
  ]);
  const haveOrgs = new Set(orgs.rows.map((row) => row.id));
  const haveResources = new Set(resources.rows.map((row) => row.id));
  const haveMembers = new Set(members.rows.map((row) => `${row.org_id} ${row.email}`));
  const missing: string[] = [];
  let checked = 0;
  for (const org of held) {
    checked++;
    if (!haveOrgs.has(org.id)) missing.push(`organization ${org.id}`);
    for (const id of org.resources) {
      checked++;
      if (!haveResources.has(id)) missing.push(`resource ${id}`);
    }
    for (const email of org.members) {
      checked++;
      if (!haveMembers.has(`${org.id} ${email}`)) missing.push(`member ${email} of ${org.id}`);
    }
  }
  return { checked, missing };
}

// ---------------------------------------------------------------------------------------------

/** 401s the clients got with tokens they had every reason to think valid. */
export function refusedSessionCount(): number {
  return refusedSessions;
}
