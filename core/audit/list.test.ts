import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "../actor/index.ts";
import { reloadConfig } from "../config/index.ts";
import { closeDb } from "../db/index.ts";
import { auditIndexConfig, createQuickwitClient, toAuditDocument } from "../search/index.ts";
import { eventAt } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { startQuickwitStandIn, type QuickwitStandIn } from "../../test-support/quickwit-stand-in/index.ts";
import { list, store, type AuditEvent, type AuditQuery, type AuditScope } from "./index.ts";

let quickwit: QuickwitStandIn;
let indexId: string;
let adminA: UserActor;
let adminB: UserActor;
let viewerA: UserActor;
let platformAdmin: UserActor;
let orgA: string;
let orgB: string;
/** Oldest first. */
let trailA: AuditEvent[];
let trailB: AuditEvent[];
const resourceId = randomUUID();
/** Unique to this run, so searches over the shared database only see this file's events. */
const word = `needle${randomUUID().slice(0, 8)}`;

const query = (extra: Partial<AuditQuery> = {}): AuditQuery => ({ limit: 50, ...extra });

async function all(actor: UserActor, scope: AuditScope, extra: Partial<AuditQuery> = {}): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(actor, scope, query({ ...extra, cursor }));
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

const newestFirst = (events: AuditEvent[]) => events.map((event) => event.id).reverse();

async function useQuickwit(on: boolean): Promise<void> {
  if (on) {
    process.env.QUICKWIT_URL = quickwit.url;
    process.env.QUICKWIT_AUDIT_INDEX = indexId;
  } else {
    delete process.env.QUICKWIT_URL;
    delete process.env.QUICKWIT_AUDIT_INDEX;
  }
  reloadConfig();
}

beforeAll(async () => {
  quickwit = await startQuickwitStandIn();
  indexId = `audit-list-${randomUUID().slice(0, 8)}`;
  await createQuickwitClient({ baseUrl: quickwit.url }).createIndex(auditIndexConfig({ indexId }));
  adminA = (await createUser()).actor;
  adminB = (await createUser()).actor;
  viewerA = (await createUser()).actor;
  platformAdmin = (await createUser({ platformAdmin: true })).actor;
  orgA = await createOrg([
    [adminA, "owner"],
    [viewerA, "viewer"],
  ]);
  orgB = await createOrg([[adminB, "admin"]]);

  trailA = [
    eventAt(100, { action: "org.created", actor: adminA, orgId: orgA, details: { name: "Acme" } }),
    eventAt(90, {
      action: "member.added",
      actor: adminA,
      orgId: orgA,
      resourceType: "member",
      details: { role: "viewer" },
    }),
    eventAt(80, {
      action: "resource.created",
      actor: adminA,
      orgId: orgA,
      resourceType: "sensor",
      resourceId,
      details: { name: `north ${word}` },
    }),
    eventAt(70, {
      action: "resource.updated",
      actor: viewerA,
      orgId: orgA,
      resourceType: "sensor",
      resourceId,
      details: { name: "north 100%_done" },
    }),
    eventAt(60, {
      action: "resource.created",
      actor: adminB,
      orgId: orgA,
      resourceType: "camera",
      details: { name: `south ${word}` },
    }),
    eventAt(50, {
      action: "resource.deleted",
      actor: adminA,
      orgId: orgA,
      resourceType: "camera",
      details: { name: "south" },
    }),
  ];
  // Org B mirrors org A's words, ids and actors, so a leak would match every filter and search.
  trailB = [
    eventAt(95, { action: "org.created", actor: adminB, orgId: orgB, details: { name: "Other" } }),
    eventAt(85, {
      action: "resource.created",
      actor: adminB,
      orgId: orgB,
      resourceType: "sensor",
      resourceId,
      details: { name: `north ${word}` },
    }),
    eventAt(75, {
      action: "resource.updated",
      actor: adminA,
      orgId: orgB,
      resourceType: "sensor",
      resourceId,
      details: { name: `stolen ${word} 100%_done` },
    }),
    eventAt(65, { action: "auth.login", actor: adminA, details: { word } }),
  ];
  await store([...trailA, ...trailB]);
  // force: the fixture is committed before the first test, not after the index's commit timeout.
  await createQuickwitClient({ baseUrl: quickwit.url }).ingest(indexId, [...trailA, ...trailB].map(toAuditDocument), {
    commit: "force",
  });
});

afterEach(() => useQuickwit(false));

afterAll(async () => {
  await quickwit.close();
  await closeDb();
});

describe("an organization's trail", () => {
  it("lists its events newest first, in keyset pages", async () => {
    expect(await all(adminA, { type: "org", orgId: orgA })).toEqual(newestFirst(trailA));
    const first = await list(adminA, { type: "org", orgId: orgA }, query({ limit: 4 }));
    expect(first.items).toHaveLength(4);
    expect(first.items[0]).toEqual({ ...trailA[5]!, createdAt: trailA[5]!.createdAt });
    const second = await list(adminA, { type: "org", orgId: orgA }, query({ limit: 4, cursor: first.nextCursor! }));
    expect(second.items.map((item) => item.id)).toEqual(newestFirst(trailA).slice(4));
    expect(second.nextCursor).toBeNull();
  });

  it("applies each filter", async () => {
    const scope: AuditScope = { type: "org", orgId: orgA };
    const ids = (events: AuditEvent[]) => newestFirst(events);
    expect(await all(adminA, scope, { action: "resource.created" })).toEqual(ids([trailA[2]!, trailA[4]!]));
    expect(await all(adminA, scope, { userId: viewerA.userId })).toEqual(ids([trailA[3]!]));
    expect(await all(adminA, scope, { resourceType: "camera" })).toEqual(ids([trailA[4]!, trailA[5]!]));
    expect(await all(adminA, scope, { resourceId })).toEqual(ids([trailA[2]!, trailA[3]!]));
    expect(await all(adminA, scope, { from: trailA[2]!.createdAt, to: trailA[4]!.createdAt })).toEqual(
      ids([trailA[2]!, trailA[3]!]),
    );
  });

  it("rejects a range that ends before it starts, and a cursor it did not issue", async () => {
    await expect(
      list(adminA, { type: "org", orgId: orgA }, query({ from: trailA[3]!.createdAt, to: trailA[1]!.createdAt })),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await expect(list(adminA, { type: "org", orgId: orgA }, query({ cursor: "bm9wZQ" }))).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("searches the action and the details in the database without Quickwit, taking % and _ literally", async () => {
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: word })).toEqual(newestFirst([trailA[2]!, trailA[4]!]));
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: "100%_done" })).toEqual([trailA[3]!.id]);
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: "%" })).toEqual([trailA[3]!.id]);
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: "MEMBER.add" })).toEqual([trailA[1]!.id]);
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: `${word} south` })).toEqual([trailA[4]!.id]);
  });

  it("searches through Quickwit when it is configured, in offset pages", async () => {
    await useQuickwit(true);
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: word })).toEqual(newestFirst([trailA[2]!, trailA[4]!]));
    const first = await list(adminA, { type: "org", orgId: orgA }, query({ q: word, limit: 1 }));
    expect(first.items.map((item) => item.id)).toEqual([trailA[4]!.id]);
    const second = await list(
      adminA,
      { type: "org", orgId: orgA },
      query({ q: word, limit: 1, cursor: first.nextCursor! }),
    );
    expect(second.items.map((item) => item.id)).toEqual([trailA[2]!.id]);
    expect(
      await all(adminA, { type: "org", orgId: orgA }, { q: word, action: "resource.created", resourceType: "sensor" }),
    ).toEqual([trailA[2]!.id]);
  });

  it("is 404 to somebody outside the organization and 403 to a viewer", async () => {
    await expect(list(adminB, { type: "org", orgId: orgA }, query())).rejects.toMatchObject({ code: "not_found" });
    await expect(list(adminB, { type: "org", orgId: randomUUID() }, query())).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(list(viewerA, { type: "org", orgId: orgA }, query())).rejects.toMatchObject({ code: "forbidden" });
  });

  it("never shows another organization's events, by any filter or search", async () => {
    const foreign = new Set([...trailB.map((event) => event.id)]);
    const attempts: Partial<AuditQuery>[] = [
      {},
      { userId: adminA.userId },
      { userId: adminB.userId },
      { resourceId },
      { resourceType: "sensor" },
      { action: "resource.updated" },
      { q: word },
      { q: "stolen" },
      { q: `org_id:${orgB}` },
      { q: `${word} OR org_id:"${orgB}"` },
      { q: "*" },
    ];
    for (const quickwitOn of [false, true]) {
      await useQuickwit(quickwitOn);
      for (const attempt of attempts) {
        const ids = await all(adminA, { type: "org", orgId: orgA }, attempt);
        expect(
          ids.filter((id) => foreign.has(id)),
          JSON.stringify({ quickwitOn, attempt }),
        ).toEqual([]);
      }
    }
  });

  it("re-checks the organization on the rows a search returns", async () => {
    // A document that claims org A for an event the database files under org B.
    const stray = trailB[2]!;
    await createQuickwitClient({ baseUrl: quickwit.url }).ingest(indexId, [toAuditDocument({ ...stray, orgId: orgA })]);
    await useQuickwit(true);
    expect(await all(adminA, { type: "org", orgId: orgA }, { q: "stolen" })).toEqual([]);
  });
});

describe("the caller's own trail", () => {
  it("shows only events the caller did, in every organization and none", async () => {
    const mine = [...trailA, ...trailB]
      .filter((event) => event.userId === adminA.userId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const ids = await all(adminA, { type: "me" });
    // The shared test database holds other files' events too; none of them are adminA's.
    expect(ids).toEqual(newestFirst(mine));
    expect(await all(adminA, { type: "me" }, { userId: viewerA.userId })).toEqual([]);
    for (const quickwitOn of [false, true]) {
      await useQuickwit(quickwitOn);
      expect(await all(adminA, { type: "me" }, { q: word })).toEqual(
        newestFirst(mine.filter((event) => JSON.stringify(event.details).includes(word))),
      );
      expect(await all(viewerA, { type: "me" }, { q: word })).toEqual([]);
    }
  });
});

describe("every event", () => {
  it("is for platform administrators only", async () => {
    await expect(list(adminA, { type: "all" }, query())).rejects.toMatchObject({ code: "forbidden" });
    const ids = await all(platformAdmin, { type: "all" }, { q: word });
    expect(ids).toEqual(
      newestFirst(
        [...trailA, ...trailB]
          .filter((event) => JSON.stringify(event.details).includes(word))
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
      ),
    );
  });

  it("lets a platform administrator read any organization's trail", async () => {
    expect(await all(platformAdmin, { type: "org", orgId: orgB })).toEqual(
      newestFirst(trailB.filter((event) => event.orgId === orgB)),
    );
  });
});
