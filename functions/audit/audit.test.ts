import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, reloadConfig } from "@voxguard/core/config";
import { db } from "@voxguard/core/db";
import { sql } from "kysely";
import { auditIndexConfig, createQuickwitClient, toAuditDocument } from "@voxguard/core/search";
import { startQueuePoller, type QueuePoller } from "../../local/queue-poller.ts";
import { startLocalAws, type LocalAws } from "../../test-support/fauxqs.ts";
import type { ApiAnswer } from "../../test-support/http.ts";
import { makePlatformAdmin, signUp, type SignedUp } from "../../test-support/identity.ts";
import { addMember } from "../../test-support/org-routes.ts";
import {
  QUICKWIT_MAX_OFFSET,
  startQuickwitStandIn,
  type QuickwitStandIn,
} from "../../test-support/quickwit-stand-in/index.ts";
import { handler as consumer } from "../queue/audit-consumer.ts";
import { until } from "../../test-support/until.ts";
import { useApi } from "../../test-support/use-api.ts";

let aws: LocalAws;
let quickwit: QuickwitStandIn;
let queueUrl: string;
let poller: QueuePoller | undefined;
let auditIndex: string;

function startPoller(): void {
  poller = startQueuePoller({ queueUrl, handler: consumer, client: aws.sqs, batchWindowMs: 200, waitTimeSeconds: 1 });
}

async function stopPoller(): Promise<void> {
  await poller?.stop();
  poller = undefined;
}

async function createOrg(owner: SignedUp): Promise<string> {
  const answer = await api.request("POST", "/orgs", {
    token: owner.token,
    body: { name: "Audit Org", slug: `audit-${randomUUID().slice(0, 12)}` },
  });
  expect(answer.status).toBe(201);
  return answer.body.org.id;
}

async function createResource(owner: SignedUp, orgId: string, name: string): Promise<string> {
  const answer = await api.request("POST", `/orgs/${orgId}/resources`, {
    token: owner.token,
    body: { type: "sensor", name },
  });
  expect(answer.status).toBe(201);
  return answer.body.resource.id;
}

interface Item {
  id: string;
  orgId: string | null;
  userId: string | null;
  action: string;
}

/** Every page of an audit list, following nextCursor. */
async function listAll(token: string, path: string, params: Record<string, string> = {}): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const search = new URLSearchParams({ limit: "200", ...params, ...(cursor ? { cursor } : {}) });
    const answer: ApiAnswer<{ items: Item[]; nextCursor: string | null }> = await api.request(
      "GET",
      `${path}?${search}`,
      { token },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor;
  } while (cursor);
  return items;
}

/** Polls an audit list until its items are `ready` (by default: any at all), and returns them. */
function listUntil(
  what: string,
  token: string,
  path: string,
  params: Record<string, string> = {},
  ready: (items: Item[]) => boolean = (items) => items.length > 0,
): Promise<Item[]> {
  return until(what, async () => {
    const items = await listAll(token, path, params);
    return ready(items) ? items : undefined;
  });
}

beforeAll(async () => {
  aws = await startLocalAws();
  quickwit = await startQuickwitStandIn();
  const indexId = `audit-http-${randomUUID().slice(0, 8)}`;
  await createQuickwitClient({ baseUrl: quickwit.url }).createIndex(auditIndexConfig({ indexId }));
  ({ queueUrl } = await aws.createQueue(`audit-http-${randomUUID().slice(0, 8)}`, {
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 5,
  }));
  process.env.AUDIT_QUEUE_URL = queueUrl;
  process.env.QUICKWIT_URL = quickwit.url;
  process.env.QUICKWIT_AUDIT_INDEX = indexId;
  reloadConfig();
  auditIndex = indexId;
  await aws.createBucket(config().s3Bucket);
});
afterAll(async () => {
  await quickwit.close();
  await aws.close();
});
const api = useApi();
// Registered after the API's hooks so that it runs before them: the consumer stops before the pool closes.
afterAll(stopPoller);

describe("the audit pipeline through the local server", () => {
  // The first test starts the consumer; the others rely on it running.
  it("a change travels through the queue and shows up in the org's trail and in a search within seconds", async () => {
    // Nobody consumes yet: the changes' events wait in the queue, none was written through.
    const owner = await signUp(api);
    const orgId = await createOrg(owner);
    const word = `turbine${randomUUID().slice(0, 8)}`;
    const resourceId = await createResource(owner, orgId, `${word} north`);
    expect(await listAll(owner.token, `/orgs/${orgId}/audit`)).toEqual([]);

    startPoller();
    const [event] = await listUntil("resource.created in the trail", owner.token, `/orgs/${orgId}/audit`, {
      resourceId,
    });
    expect(event).toMatchObject({
      orgId,
      userId: owner.user.id,
      action: "resource.created",
      resourceType: "resource",
      resourceId,
      ipAddress: "127.0.0.1",
    });

    const found = await listUntil("the search hit", owner.token, `/orgs/${orgId}/audit`, { q: word });
    expect(found.map((item) => item.id)).toEqual([event!.id]);
  });

  it("keeps every organization's trail to its own admins, by any filter or search", async () => {
    const alice = await signUp(api);
    const bob = await signUp(api);
    const orgA = await createOrg(alice);
    const orgB = await createOrg(bob);
    const word = `secret${randomUUID().slice(0, 8)}`;
    const resourceB = await createResource(bob, orgB, `${word} b`);
    await createResource(alice, orgA, `${word} a`);
    // Bob's change indexed and stored before Alice tries to reach it.
    await listUntil("bob's event", bob.token, `/orgs/${orgB}/audit`, { q: word });
    await listUntil("alice's event", alice.token, `/orgs/${orgA}/audit`, { q: word });

    const attempts: Record<string, string>[] = [
      {},
      { userId: bob.user.id },
      { resourceId: resourceB },
      { action: "resource.created" },
      { q: word },
      { q: `${word} OR org_id:${orgB}` },
    ];
    for (const params of attempts) {
      const search = new URLSearchParams(params);
      const foreign = await api.request("GET", `/orgs/${orgB}/audit?${search}`, { token: alice.token });
      expect(foreign.status, JSON.stringify(params)).toBe(404);
      expect(foreign.body.code).toBe("not_found");
      const own = await listAll(alice.token, `/orgs/${orgA}/audit`, params);
      expect(
        own.every((item) => item.orgId === orgA),
        JSON.stringify(params),
      ).toBe(true);
    }

    // An org's viewer knows the org exists but may not read its trail.
    const viewer = await signUp(api);
    await addMember(orgA, viewer.user.id, "viewer");
    const asViewer = await api.request("GET", `/orgs/${orgA}/audit`, { token: viewer.token });
    expect(asViewer.status).toBe(403);
  });

  it("GET /me/audit shows only the caller's own events", async () => {
    const carol = await signUp(api);
    const dave = await signUp(api);
    const orgId = await createOrg(carol);
    await createResource(carol, orgId, "carol's");
    const mine = await listUntil("carol's events", carol.token, "/me/audit", {}, (items) =>
      items.some((item) => item.action === "resource.created"),
    );
    expect(mine.every((item) => item.userId === carol.user.id)).toBe(true);
    expect(mine.map((item) => item.action)).toEqual(
      expect.arrayContaining(["user.registered", "org.created", "resource.created"]),
    );
    expect(await listAll(carol.token, "/me/audit", { userId: dave.user.id })).toEqual([]);
    const daves = await listAll(dave.token, "/me/audit");
    expect(daves.every((item) => item.userId === dave.user.id)).toBe(true);
  });

  it("GET /admin/audit is for platform administrators", async () => {
    const user = await signUp(api);
    expect((await api.request("GET", "/admin/audit", { token: user.token })).status).toBe(403);
    await makePlatformAdmin(user.user.id);
    const answer = await api.request("GET", "/admin/audit?limit=5", { token: user.token });
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(5);
  });

  it("validates the query", async () => {
    const user = await signUp(api);
    const orgId = await createOrg(user);
    for (const query of [
      "limit=500",
      "cursor=bm9wZQ",
      "from=yesterday",
      "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
      "action=nonsense",
    ]) {
      const answer = await api.request("GET", `/orgs/${orgId}/audit?${query}`, { token: user.token });
      expect(answer.status, query).toBe(400);
      expect(answer.body.code).toBe("validation_failed");
    }
  });

  it("exports the trail to a presigned URL", async () => {
    const owner = await signUp(api);
    const outsider = await signUp(api);
    const orgId = await createOrg(owner);
    await createResource(owner, orgId, "exported");
    const trail = await listUntil("the trail", owner.token, `/orgs/${orgId}/audit`, {}, (items) => items.length >= 2);

    expect(
      (await api.request("POST", `/orgs/${orgId}/audit/exports`, { token: outsider.token, body: {} })).status,
    ).toBe(404);
    // No body at all is the same as {}.
    const answer = await api.request("POST", `/orgs/${orgId}/audit/exports`, { token: owner.token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ count: trail.length });
    expect(Object.keys(answer.body).sort()).toEqual(["count", "expiresAt", "id", "url"]);
    const file = await fetch(answer.body.url);
    expect(file.status).toBe(200);
    const records = gunzipSync(Buffer.from(await file.arrayBuffer()))
      .toString("utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(records[0].export).toMatchObject({ orgId, from: null, to: null });
    // Event lines are the events as listed, plus the seal covering each (none yet here).
    const lines = records.filter((record) => !record.export && !record.seal);
    expect(lines.map((line) => line.id)).toEqual(trail.map((item) => item.id).reverse());
    expect(lines[0]).toEqual({ ...trail.at(-1), sealSeq: null });

    const ranged = await api.request("POST", `/orgs/${orgId}/audit/exports`, {
      token: owner.token,
      body: { to: "2000-01-01T00:00:00Z" },
    });
    expect(ranged.body.count).toBe(0);
    const exported = await listUntil(
      "audit.exported",
      owner.token,
      `/orgs/${orgId}/audit`,
      { action: "audit.exported" },
      (items) => items.length === 2,
    );
    expect(exported.every((item) => item.userId === owner.user.id)).toBe(true);
  });

  it("reports the queue and the search as healthy", async () => {
    const answer = await api.request("GET", "/health");
    expect(answer.body.checks).toMatchObject({ db: "ok", queue: "ok", search: "ok" });
  });
});

describe("a text search deeper than Quickwit pages", () => {
  it("answers 200 pages through the first 10,000 hits, then 400 asking to narrow the query, never a 5xx", async () => {
    const owner = await signUp(api);
    const orgId = await createOrg(owner);
    const word = `deep${randomUUID().slice(0, 8)}`;
    const count = QUICKWIT_MAX_OFFSET + 250;
    const start = Date.parse("2025-01-01T00:00:00Z");
    const events = Array.from({ length: count }, (_, i) => ({
      id: randomUUID(),
      orgId,
      userId: owner.user.id,
      action: "resource.updated",
      resourceType: "resource",
      resourceId: null,
      details: { note: word },
      ipAddress: null,
      createdAt: new Date(start + i * 1000),
    }));
    // Straight into the database and the index: what the consumer would have written.
    await sql`
      INSERT INTO audit_log (id, org_id, user_id, action, resource_type, details, created_at)
      SELECT id, ${orgId}::uuid, ${owner.user.id}::uuid, 'resource.updated', 'resource', ${JSON.stringify({ note: word })}::jsonb, at
      FROM unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.createdAt)}::timestamptz[]) AS t(id, at)`.execute(
      db(),
    );
    await createQuickwitClient({ baseUrl: quickwit.url }).ingest(auditIndex, events.map(toAuditDocument), {
      commit: "force",
    });

    const seen = new Set<string>();
    let cursor: string | null = null;
    let refused: ApiAnswer | undefined;
    for (let page = 0; page < 60 && !refused; page++) {
      const search: string = new URLSearchParams({ q: word, limit: "200", ...(cursor ? { cursor } : {}) }).toString();
      const answer: ApiAnswer = await api.request("GET", `/orgs/${orgId}/audit?${search}`, { token: owner.token });
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
      if (answer.status === 400) refused = answer;
      else {
        expect(answer.status).toBe(200);
        for (const item of answer.body.items as Item[]) seen.add(item.id);
        cursor = answer.body.nextCursor;
        if (!cursor) break;
      }
    }
    // Every hit up to Quickwit's ceiling was served, newest first, then a clear answer, not a 500.
    expect(seen.size).toBeGreaterThanOrEqual(QUICKWIT_MAX_OFFSET);
    expect(refused?.body).toMatchObject({ code: "validation_failed", detail: expect.stringMatching(/narrow/) });
    expect(quickwit.requests.filter((request) => request.status >= 500)).toEqual([]);
  });
});
