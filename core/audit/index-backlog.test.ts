import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "../actor/index.ts";
import { reloadConfig } from "../config/index.ts";
import { db } from "../db/index.ts";
import { auditIndexConfig, createQuickwitClient } from "../search/index.ts";
import { eventAt, rowsOf } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { withOwnDatabase } from "../../test-support/throwaway-database.ts";
import { startQuickwitStandIn, type QuickwitStandIn } from "../../test-support/quickwit-stand-in/index.ts";
import { until } from "../../test-support/until.ts";
import { consume, deferIndexing, list, reindexBacklog, store, type AuditEvent, type QueueRecord } from "./index.ts";

// Each test has a database of its own: a backlog run takes every entry of the table it reads.

let quickwit: QuickwitStandIn;

beforeAll(async () => {
  quickwit = await startQuickwitStandIn();
});

afterEach(async () => {
  await quickwit.setDown(false);
  delete process.env.QUICKWIT_URL;
  delete process.env.QUICKWIT_AUDIT_INDEX;
  reloadConfig();
});

afterAll(async () => {
  await quickwit.close();
});

async function useIndex(): Promise<string> {
  const indexId = `audit-backlog-${randomUUID().slice(0, 8)}`;
  await createQuickwitClient({ baseUrl: quickwit.url }).createIndex(auditIndexConfig({ indexId }));
  process.env.QUICKWIT_URL = quickwit.url;
  process.env.QUICKWIT_AUDIT_INDEX = indexId;
  reloadConfig();
  return indexId;
}

async function setting(): Promise<{ admin: UserActor; orgId: string }> {
  const admin = (await createUser()).actor;
  return { admin, orgId: await createOrg([[admin, "admin"]]) };
}

function events(admin: UserActor, orgId: string, count: number, word: string): AuditEvent[] {
  return Array.from({ length: count }, (_, n) =>
    eventAt(count - n, { action: "resource.updated", actor: admin, orgId, details: { word, n } }),
  );
}

function records(list: AuditEvent[]): QueueRecord[] {
  return list.map((event) => ({ messageId: randomUUID(), body: JSON.stringify(event) }));
}

async function backlog(): Promise<string[]> {
  const { rows } = await sql<{ event_id: string }>`SELECT event_id FROM audit_index_backlog ORDER BY event_id`.execute(
    db(),
  );
  return rows.map((row) => row.event_id);
}

/** The ids a search finds once Quickwit has committed `expected` of them (its commit timeout). */
async function searchIds(admin: UserActor, orgId: string, word: string, expected: number): Promise<string[]> {
  return until(`${expected} events searchable`, async () => {
    const page = await list(admin, { type: "org", orgId }, { limit: 200, q: word });
    return page.items.length >= expected ? page.items.map((item) => item.id) : undefined;
  });
}

const sorted = (ids: readonly string[]) => [...ids].sort();

interface Trail {
  indexId: string;
  admin: UserActor;
  orgId: string;
  word: string;
  trail: AuditEvent[];
}

/** Runs `test` on a database of its own, with a fresh index and `count` events of one org, not yet stored. */
function withTrail(count: number, test: (setup: Trail) => Promise<void>): Promise<void> {
  return withOwnDatabase(async () => {
    const indexId = await useIndex();
    const { admin, orgId } = await setting();
    const word = `word${randomUUID().slice(0, 8)}`;
    await test({ indexId, admin, orgId, word, trail: events(admin, orgId, count, word) });
  });
}

describe("audit index backlog", () => {
  it("while Quickwit is down the consumer acknowledges what it stored; the job fails until Quickwit is back, then every event is searchable once", async () => {
    await withTrail(12, async ({ indexId, admin, orgId, word, trail }) => {
      await quickwit.setDown(true);
      expect(await consume(records(trail))).toEqual({ failed: [], stored: 12, deferred: 12 });
      expect(await rowsOf(trail.map((event) => event.id))).toHaveLength(12);
      expect(sorted(await backlog())).toEqual(sorted(trail.map((event) => event.id)));

      // Every run while it is down fails (what the alarm sees) and leaves the backlog as it was.
      for (let run = 0; run < 3; run++)
        await expect(reindexBacklog()).rejects.toThrow(/Quickwit ingest .*failed after/);
      expect(sorted(await backlog())).toEqual(sorted(trail.map((event) => event.id)));

      await quickwit.setDown(false);
      expect(await reindexBacklog({ batchSize: 5 })).toEqual({ indexed: 12, rejected: 0, missing: 0, remaining: 0 });
      expect(await backlog()).toEqual([]);
      expect(sorted(quickwit.documents(indexId).map((doc) => String(doc.id)))).toEqual(
        sorted(trail.map((event) => event.id)),
      );
      expect(await searchIds(admin, orgId, word, trail.length)).toEqual(trail.map((event) => event.id).reverse());
    });
  });

  it("runs started at once all succeed, empty the backlog and leave each event searchable exactly once", async () => {
    await withTrail(40, async ({ indexId, admin, orgId, word, trail }) => {
      await store(trail);
      await deferIndexing(trail.map((event) => event.id));

      for (let round = 0; round < 5; round++) {
        // The consumer deferring the same events again while runs are under way, too.
        const results = await Promise.all([
          reindexBacklog({ batchSize: 7 }),
          reindexBacklog({ batchSize: 7 }),
          reindexBacklog({ batchSize: 11 }),
          deferIndexing(trail.slice(0, 10).map((event) => event.id)).then(() => undefined),
        ]);
        expect(results.slice(0, 3).every((result) => result !== undefined)).toBe(true);
        await reindexBacklog();
        expect(await backlog()).toEqual([]);
      }
      const indexed = new Set(quickwit.documents(indexId).map((doc) => String(doc.id)));
      expect(sorted([...indexed])).toEqual(sorted(trail.map((event) => event.id)));
      expect(await searchIds(admin, orgId, word, trail.length)).toEqual(trail.map((event) => event.id).reverse());
    });
  });

  it("drops entries whose row is gone and stops at its deadline without losing any", async () => {
    await withTrail(6, async ({ trail }) => {
      await store(trail);
      const ghost = randomUUID();
      await deferIndexing([...trail.map((event) => event.id), ghost]);

      expect(await reindexBacklog({ deadline: Date.now() - 1 })).toEqual({
        indexed: 0,
        rejected: 0,
        missing: 0,
        remaining: 7,
      });
      expect(await backlog()).toHaveLength(7);
      expect(await reindexBacklog()).toEqual({ indexed: 6, rejected: 0, missing: 1, remaining: 0 });
      expect(await backlog()).toEqual([]);
    });
  });

  it("before the index exists events wait in the backlog, and are indexed once it is created", async () => {
    await withOwnDatabase(async () => {
      const indexId = `audit-later-${randomUUID().slice(0, 8)}`;
      process.env.QUICKWIT_URL = quickwit.url;
      process.env.QUICKWIT_AUDIT_INDEX = indexId;
      reloadConfig();
      const { admin, orgId } = await setting();
      const word = `later${randomUUID().slice(0, 8)}`;
      const trail = events(admin, orgId, 4, word);

      expect(await consume(records(trail))).toEqual({ failed: [], stored: 4, deferred: 4 });
      await expect(reindexBacklog()).rejects.toThrow(/404/);
      expect(await backlog()).toHaveLength(4);

      await createQuickwitClient({ baseUrl: quickwit.url }).createIndex(auditIndexConfig({ indexId }));
      expect(await reindexBacklog()).toEqual({ indexed: 4, rejected: 0, missing: 0, remaining: 0 });
      expect(await searchIds(admin, orgId, word, trail.length)).toEqual(trail.map((event) => event.id).reverse());
    });
  });

  it("without Quickwit configured there is nothing to do", async () => {
    expect(await reindexBacklog()).toBeUndefined();
  });
});
