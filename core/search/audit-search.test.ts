import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQuickwitStandIn, type QuickwitStandIn } from "../../test-support/quickwit-stand-in/index.ts";
import {
  auditIndexConfig,
  buildAuditQuery,
  createQuickwitClient,
  quoteQueryValue,
  searchAudit,
  toAuditDocument,
  type AuditIndexEvent,
  type QuickwitClient,
} from "./index.ts";
import type { QuickwitSearcher } from "./quickwit-search.ts";

const run = promisify(execFile);

let quickwit: QuickwitStandIn;
let client: QuickwitClient;

beforeAll(async () => {
  quickwit = await startQuickwitStandIn();
  client = createQuickwitClient({ baseUrl: quickwit.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
});

afterAll(async () => {
  await quickwit.close();
});

let counter = 0;
async function freshIndex(): Promise<string> {
  const indexId = `audit-search-${++counter}`;
  await client.createIndex(auditIndexConfig({ indexId }));
  return indexId;
}

const orgA = randomUUID();
const orgB = randomUUID();

function event(overrides: Partial<AuditIndexEvent> = {}): AuditIndexEvent {
  return {
    id: randomUUID(),
    orgId: orgA,
    userId: randomUUID(),
    action: "org.member.add",
    resourceType: "organization",
    resourceId: randomUUID(),
    details: { email: "ada@example.com" },
    ipAddress: "198.51.100.4",
    createdAt: new Date("2025-05-01T12:00:00Z"),
    ...overrides,
  };
}

async function ingest(indexId: string, events: AuditIndexEvent[]): Promise<void> {
  await client.ingest(indexId, events.map(toAuditDocument), { commit: "force" });
}

describe("query building", () => {
  it("escapes the quote in use and backslashes", () => {
    expect(quoteQueryValue(`a"b\\c'd`, '"')).toBe(`"a\\"b\\\\c'd"`);
    expect(quoteQueryValue(`a"b\\c'd`, "'")).toBe(`'a"b\\\\c\\'d'`);
  });

  it("ANDs the org filter with the whole parenthesised text clause", () => {
    expect(buildAuditQuery({ orgId: orgA, q: `x) OR org_id:"${orgB}"`, limit: 10 })).toBe(
      `org_id:"${orgA}" AND ('x)' AND 'OR' AND 'org_id:"${orgB}"')`,
    );
  });

  it("has nothing to search for when q holds no letter or digit", () => {
    expect(buildAuditQuery({ orgId: orgA, q: " ) ( \" ' ", limit: 10 })).toBeNull();
  });
});

describe("searchAudit", () => {
  it("collapses duplicate hits on event id and returns newest first", async () => {
    const indexId = await freshIndex();
    const older = event({ details: { email: "dup@example.com" }, createdAt: new Date("2025-05-01T10:00:00Z") });
    const newer = event({ details: { email: "dup@example.com" }, createdAt: new Date("2025-05-01T11:00:00Z") });
    // A redelivered batch: Quickwit stores each event again.
    await ingest(indexId, [older, newer]);
    await ingest(indexId, [older, newer]);
    await ingest(indexId, [newer]);

    const result = await searchAudit(client, indexId, { orgId: orgA, q: "dup@example.com", limit: 10 });
    expect(result.events.map((found) => found.id)).toEqual([newer.id, older.id]);
    expect(result.totalHits).toBe(5);
    expect(result.nextOffset).toBeNull();
    expect(result.events[0]).toEqual({
      id: newer.id,
      orgId: orgA,
      userId: newer.userId,
      action: "org.member.add",
      resourceType: "organization",
      resourceId: newer.resourceId,
      details: { email: "dup@example.com" },
      ipAddress: "198.51.100.4",
      createdAt: new Date("2025-05-01T11:00:00Z"),
    });
  });

  it("fills a page despite duplicates and hands back the offset of the next one", async () => {
    const indexId = await freshIndex();
    const events = [1, 2, 3, 4, 5].map((minute) =>
      event({ details: { note: "paging" }, createdAt: new Date(Date.UTC(2025, 4, 1, 12, minute)) }),
    );
    await ingest(indexId, events);
    await ingest(indexId, events);

    const first = await searchAudit(client, indexId, { orgId: orgA, q: "paging", limit: 2 });
    expect(first.events.map((found) => found.id)).toEqual([events[4]!.id, events[3]!.id]);
    expect(first.nextOffset).not.toBeNull();

    const second = await searchAudit(client, indexId, {
      orgId: orgA,
      q: "paging",
      limit: 2,
      offset: first.nextOffset!,
    });
    expect(second.events.map((found) => found.id)).toEqual([events[2]!.id, events[1]!.id]);

    const third = await searchAudit(client, indexId, {
      orgId: orgA,
      q: "paging",
      limit: 2,
      offset: second.nextOffset!,
    });
    expect(third.events.map((found) => found.id)).toEqual([events[0]!.id]);
    expect(third.nextOffset).toBeNull();
  });

  it("keeps another org's events out, whatever q holds", async () => {
    const indexId = await freshIndex();
    const mine = event({ orgId: orgA, details: { note: "x visible" } });
    const theirs = event({ orgId: orgB, details: { note: "x hidden" } });
    await ingest(indexId, [mine, theirs]);

    // The same attack spliced in unescaped does reach the other org: the stand-in parses OR and
    // fields for real, so the escaped search below proves something.
    const attack = `x) OR (org_id:"${orgB}"`;
    const naive = await client.search(indexId, { query: `org_id:"${orgA}" AND (${attack})`, maxHits: 10 });
    expect(naive.hits.map((hit) => hit.org_id)).toContain(orgB);

    for (const q of [
      attack,
      `x) OR org_id:"${orgB}"`,
      `x OR org_id:${orgB}`,
      `x") OR (org_id:"${orgB}`,
      `x') OR (org_id:'${orgB}`,
      `x\\') OR org_id:"${orgB}" OR ('`,
      `* OR org_id:"${orgB}"`,
      `NOT org_id:"${orgA}"`,
      `hidden`,
    ]) {
      const result = await searchAudit(client, indexId, { orgId: orgA, q, limit: 10 });
      expect(
        result.events.every((found) => found.orgId === orgA),
        q,
      ).toBe(true);
    }
    const plain = await searchAudit(client, indexId, { orgId: orgA, q: "x", limit: 10 });
    expect(plain.events.map((found) => found.id)).toEqual([mine.id]);
  });

  it("matches every word of q, in the action or the details, case-insensitively", async () => {
    const indexId = await freshIndex();
    const revoke = event({ action: "session.revoke", details: { reason: "Stolen Laptop" } });
    const add = event({ action: "org.member.add", details: { email: "grace@example.com" } });
    await ingest(indexId, [revoke, add]);

    const ids = async (q: string) =>
      (await searchAudit(client, indexId, { orgId: orgA, q, limit: 10 })).events.map((found) => found.id);
    expect(await ids("stolen laptop")).toEqual([revoke.id]);
    expect(await ids("LAPTOP")).toEqual([revoke.id]);
    expect(await ids("stolen grace")).toEqual([]);
    expect(await ids("session.revoke")).toEqual([revoke.id]);
    expect(await ids("grace@example.com")).toEqual([add.id]);
    expect(await ids("reason")).toEqual([revoke.id]);
  });

  it("applies user and time filters exactly", async () => {
    const indexId = await freshIndex();
    const user = randomUUID();
    const early = event({ userId: user, details: { note: "window" }, createdAt: new Date("2025-05-01T12:00:00.400Z") });
    const inside = event({
      userId: user,
      details: { note: "window" },
      createdAt: new Date("2025-05-01T12:00:00.700Z"),
    });
    const late = event({ userId: user, details: { note: "window" }, createdAt: new Date("2025-05-01T12:00:01.200Z") });
    const otherUser = event({ details: { note: "window" }, createdAt: new Date("2025-05-01T12:00:00.700Z") });
    await ingest(indexId, [early, inside, late, otherUser]);

    const result = await searchAudit(client, indexId, {
      orgId: orgA,
      userId: user,
      q: "window",
      from: new Date("2025-05-01T12:00:00.500Z"),
      to: new Date("2025-05-01T12:00:01.200Z"),
      limit: 10,
    });
    expect(result.events.map((found) => found.id)).toEqual([inside.id]);
  });

  it("refuses a hit whose time is no time, as a Quickwit answer of an unexpected shape", async () => {
    // Quickwit's own mapping would not store such a document: this searcher answers what it can't.
    for (const created_at of ["not a time", "", Number.NaN, 1e300, null]) {
      const hit = { ...toAuditDocument(event()), created_at };
      const searcher: QuickwitSearcher = {
        search: async <Hit>() => ({ num_hits: 1, hits: [hit as Hit], elapsed_time_micros: 1, errors: [] }),
      };
      await expect(searchAudit(searcher, "audit", { q: "member", orgId: orgA, limit: 10, offset: 0 })).rejects.toThrow(
        "unexpected shape",
      );
    }
  });

  it("answers an empty result without asking Quickwit when q has nothing searchable", async () => {
    quickwit.requests.length = 0;
    const result = await searchAudit(client, "never-asked", { orgId: orgA, q: "!!! ???", limit: 10 });
    expect(result).toEqual({ events: [], nextOffset: null, totalHits: 0 });
    expect(quickwit.requests).toHaveLength(0);
  });
});

describe("npm run quickwit:setup", () => {
  it("creates the index once and says so in one line", async () => {
    const env = { ...process.env, QUICKWIT_URL: quickwit.url, QUICKWIT_AUDIT_INDEX: "setup-script-index" };
    const script = new URL("../../scripts/quickwit-setup.ts", import.meta.url).pathname;
    const tsx = new URL("../../node_modules/.bin/tsx", import.meta.url).pathname;

    const first = await run(tsx, [script], { env });
    expect(first.stdout.trim().split("\n")).toEqual([
      `quickwit: created index setup-script-index on ${new URL(quickwit.url).host}`,
    ]);
    const second = await run(tsx, [script], { env });
    expect(second.stdout.trim()).toBe(
      `quickwit: index setup-script-index already exists on ${new URL(quickwit.url).host}`,
    );
    expect(quickwit.documents("setup-script-index")).toEqual([]);
    expect(await client.getIndex("setup-script-index")).not.toBeNull();
  });
});
