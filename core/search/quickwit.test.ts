import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startQuickwitStandIn, type QuickwitStandIn } from "../../test-support/quickwit-stand-in/index.ts";
import { until } from "../../test-support/until.ts";
import {
  AUDIT_COMMIT_TIMEOUT_SECS,
  auditIndexConfig,
  createQuickwitClient,
  QuickwitError,
  QuickwitUnavailableError,
  toAuditDocument,
  type AuditIndexEvent,
  type QuickwitClient,
} from "./index.ts";

let quickwit: QuickwitStandIn;
let client: QuickwitClient;

beforeAll(async () => {
  quickwit = await startQuickwitStandIn();
  client = createQuickwitClient({ baseUrl: quickwit.url, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
});

afterAll(async () => {
  await quickwit.close();
});

beforeEach(() => {
  quickwit.reset();
});

let counter = 0;
const indexName = () => `audit-test-${++counter}`;

function event(overrides: Partial<AuditIndexEvent> = {}): AuditIndexEvent {
  return {
    id: randomUUID(),
    orgId: randomUUID(),
    userId: randomUUID(),
    action: "org.member.add",
    resourceType: "organization",
    resourceId: randomUUID(),
    details: { email: "ada@example.com", role: "admin" },
    ipAddress: "203.0.113.7",
    createdAt: new Date("2025-03-01T10:00:00.250Z"),
    ...overrides,
  };
}

describe("createIndex", () => {
  it("creates the audit index once and reports an existing one without error", async () => {
    const config = auditIndexConfig({ indexId: indexName(), retention: "30 days" });
    expect(await client.createIndex(config)).toEqual({ created: true });
    expect(await client.createIndex(config)).toEqual({ created: false });

    const metadata = await client.getIndex(config.index_id);
    expect(metadata?.index_config.doc_mapping.mode).toBe("strict");
    expect(metadata?.index_config.retention).toEqual({ period: "30 days", schedule: "daily" });
  });

  it("treats Quickwit's 'already exists' answer to a racing create as success", async () => {
    const config = auditIndexConfig({ indexId: indexName() });
    const results = await Promise.all([client.createIndex(config), client.createIndex(config)]);
    expect(results.map((result) => result.created).sort()).toEqual([false, true]);
    const posts = quickwit.requests.filter((request) => request.method === "POST");
    expect(posts.map((request) => request.status).sort()).toEqual([200, 400]);
  });

  it("answers 400 to a duplicate POST, as Quickwit does", async () => {
    const config = auditIndexConfig({ indexId: indexName() });
    await client.createIndex(config);
    const response = await fetch(`${quickwit.url}/api/v1/indexes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(config),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/already exist/);
  });

  it("surfaces an invalid config as a QuickwitError without retrying", async () => {
    const config = auditIndexConfig({ indexId: indexName() });
    const timestamp = config.doc_mapping.field_mappings.find((field) => field.name === "created_at")!;
    timestamp.fast = false;
    const error = await client.createIndex(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QuickwitError);
    expect((error as QuickwitError).status).toBe(400);
    expect((error as Error).message).toMatch(/should be a fast field/);
    expect(quickwit.requests.filter((request) => request.method === "POST")).toHaveLength(1);
  });

  it("returns null for an index Quickwit does not know", async () => {
    expect(await client.getIndex("no-such-index")).toBeNull();
  });
});

describe("ingest and search", () => {
  it("round-trips audit documents as NDJSON and finds them by a detail word", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    const first = event({ details: { email: "grace@example.com" }, createdAt: new Date("2025-03-01T10:00:00Z") });
    const second = event({
      action: "session.revoke",
      details: { reason: "stolen laptop" },
      createdAt: new Date("2025-03-01T11:00:00Z"),
    });

    const ingested = await client.ingest(indexId, [first, second].map(toAuditDocument), { commit: "wait_for" });
    expect(ingested).toEqual({ num_docs_for_processing: 2, num_ingested_docs: 2, num_rejected_docs: 0 });

    const found = await client.search(indexId, { query: "'laptop'", maxHits: 10 });
    expect(found.num_hits).toBe(1);
    expect(found.errors).toEqual([]);
    expect(typeof found.elapsed_time_micros).toBe("number");
    expect(found.hits[0]).toMatchObject({
      id: second.id,
      action: "session.revoke",
      details: { reason: "stolen laptop" },
      created_at: "2025-03-01T11:00:00.000Z",
    });

    const all = await client.search(indexId, { query: "*", maxHits: 10, sortBy: "created_at" });
    expect(all.hits.map((hit) => hit.id)).toEqual([second.id, first.id]);
    const oldestFirst = await client.search(indexId, { query: "*", maxHits: 10, sortBy: "-created_at" });
    expect(oldestFirst.hits.map((hit) => hit.id)).toEqual([first.id, second.id]);
  });

  it("passes time bounds in seconds, max_hits and start_offset through", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    const events = [0, 1, 2, 3].map((hour) => event({ createdAt: new Date(Date.UTC(2025, 2, 1, hour)) }));
    await client.ingest(indexId, events.map(toAuditDocument), { commit: "force" });

    const window = await client.search(indexId, {
      query: "*",
      startTimestamp: Date.UTC(2025, 2, 1, 1) / 1000,
      endTimestamp: Date.UTC(2025, 2, 1, 3) / 1000,
      maxHits: 10,
      sortBy: "created_at",
    });
    expect(window.hits.map((hit) => hit.id)).toEqual([events[2]!.id, events[1]!.id]);

    const page = await client.search(indexId, { query: "*", maxHits: 1, startOffset: 1, sortBy: "created_at" });
    expect(page.num_hits).toBe(4);
    expect(page.hits.map((hit) => hit.id)).toEqual([events[2]!.id]);
  });

  it("reports documents the strict mapping rejects", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    const good = toAuditDocument(event());
    const bad = { ...toAuditDocument(event()), password: "hunter2" };

    const result = await client.ingest(indexId, [good, bad], { commit: "force", detailedResponse: true });
    expect(result.num_ingested_docs).toBe(1);
    expect(result.num_rejected_docs).toBe(1);
    expect(result.parse_failures?.[0]?.reason).toBe("invalid_schema");
    expect(result.parse_failures?.[0]?.message).toMatch(/not declared in the schema: "password"/);
    expect(quickwit.documents(indexId).map((doc) => doc.id)).toEqual([good.id]);
  });

  it("rejects a document without the timestamp field", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    const { created_at: _, ...doc } = toAuditDocument(event());
    const result = await client.ingest(indexId, [doc]);
    expect(result.num_rejected_docs).toBe(1);
  });

  it("ingests nothing without a request", async () => {
    expect(await client.ingest("whatever-index", [])).toEqual({ num_docs_for_processing: 0 });
    expect(quickwit.requests).toHaveLength(0);
  });

  it("does not deduplicate: the same document ingested twice is two hits", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    const doc = toAuditDocument(event());
    await client.ingest(indexId, [doc]);
    // force: commits both at once rather than waiting for the commit timeout.
    await client.ingest(indexId, [doc], { commit: "force" });
    const found = await client.search(indexId, { query: `id:"${doc.id}"`, maxHits: 10 });
    expect(found.num_hits).toBe(2);
  });

  it("throws a QuickwitError for a query Quickwit cannot parse, without retrying", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    quickwit.requests.length = 0;
    const error = await client.search(indexId, { query: "(unbalanced", maxHits: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QuickwitError);
    expect((error as QuickwitError).status).toBe(400);
    expect(quickwit.requests).toHaveLength(1);
  });

  it("throws a 404 QuickwitError when searching a missing index", async () => {
    const error = await client.search("missing-index", { query: "*", maxHits: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QuickwitError);
    expect((error as QuickwitError).status).toBe(404);
  });
});

describe("retries", () => {
  it("retries 503 and 429 and then succeeds", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    quickwit.requests.length = 0;
    quickwit.failNext(503);
    quickwit.failNext(429, 1, { retryAfterSeconds: 0 });

    const result = await client.ingest(indexId, [toAuditDocument(event())]);
    expect(result.num_ingested_docs).toBe(1);
    expect(quickwit.requests.map((request) => request.status)).toEqual([503, 429, 200]);
  });

  it("gives up after the bounded tries with an error that names the operation, not the body", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    quickwit.requests.length = 0;
    quickwit.failNext(503, 5);

    const doc = toAuditDocument(event({ details: { note: "secret-marker-7f3a" } }));
    const error = await client.ingest(indexId, [doc]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QuickwitUnavailableError);
    const unavailable = error as QuickwitUnavailableError;
    expect(unavailable.status).toBe(503);
    expect(unavailable.attempts).toBe(3);
    expect(unavailable.message).toMatch(new RegExp(`ingest into ${indexId} failed after 3 tries: HTTP 503`));
    expect(unavailable.message).not.toContain("secret-marker");
    expect(quickwit.requests).toHaveLength(3);
  });

  it("retries while Quickwit is down and reports the connection failure", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    await quickwit.setDown(true);
    try {
      const error = await client.search(indexId, { query: "*", maxHits: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QuickwitUnavailableError);
      expect((error as QuickwitUnavailableError).status).toBeUndefined();
      expect((error as Error).message).toMatch(/search .* failed after 3 tries/);
    } finally {
      await quickwit.setDown(false);
    }
    const found = await client.search(indexId, { query: "*", maxHits: 1 });
    expect(found.num_hits).toBe(0);
  });

  it("times out a request that hangs and retries it", async () => {
    let calls = 0;
    const hanging = createQuickwitClient({
      baseUrl: quickwit.url,
      timeoutMs: 20,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      fetch: (_input, init) => {
        calls++;
        return new Promise((_, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        });
      },
    });
    const error = await hanging.search("any-index", { query: "*", maxHits: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QuickwitUnavailableError);
    expect((error as Error).message).toMatch(/timed out/);
    expect(calls).toBe(2);
  });
});

describe("Quickwit's versions and limits, as its source has them", () => {
  it("shows documents only once they are committed: after the commit timeout, at once with force, before the answer with wait_for", async () => {
    const indexId = indexName();
    await client.createIndex({ ...auditIndexConfig({ indexId }), indexing_settings: { commit_timeout_secs: 1 } });
    const count = async () => (await client.search(indexId, { query: "*", maxHits: 10 })).num_hits;
    await client.ingest(indexId, [toAuditDocument(event())]);
    expect(await count()).toBe(0);
    await until("the commit", async () => ((await count()) === 1 ? true : undefined));
    await client.ingest(indexId, [toAuditDocument(event())], { commit: "wait_for" });
    expect(await count()).toBe(2);
    await client.ingest(indexId, [toAuditDocument(event())]);
    await client.ingest(indexId, [toAuditDocument(event())], { commit: "force" });
    expect(await count()).toBe(4);
  });

  it("gives the audit index a commit timeout far below Quickwit's 60 s default", () => {
    const timeout = auditIndexConfig().indexing_settings?.commit_timeout_secs;
    expect(timeout).toBe(AUDIT_COMMIT_TIMEOUT_SECS);
    expect(AUDIT_COMMIT_TIMEOUT_SECS).toBeLessThanOrEqual(10);
  });

  it("answers 400 to start_offset or max_hits over 10,000 and serves up to it", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    await client.ingest(indexId, [toAuditDocument(event())]);
    expect((await client.search(indexId, { query: "*", maxHits: 10_000, startOffset: 10_000 })).hits).toEqual([]);
    for (const request of [
      { query: "*", maxHits: 1, startOffset: 10_001 },
      { query: "*", maxHits: 10_001 },
    ]) {
      const error = await client.search(indexId, request).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QuickwitError);
      expect((error as QuickwitError).status).toBe(400);
      expect((error as Error).message).toMatch(/max value for (start_offset|max_hits) is 10_000/);
    }
  });

  it.each([
    ["0.9 on ingest v1, which refuses detailed_response", "v1" as const, 1],
    ["0.8, which ignores detailed_response", "0.8" as const, 0],
  ])("ingests on %s, asking for details once at most, and says the outcome is unknown", async (_, ingest, refusals) => {
    const legacy = await startQuickwitStandIn({ ingest });
    try {
      const legacyClient = createQuickwitClient({ baseUrl: legacy.url, retry: { attempts: 1 } });
      const indexId = indexName();
      await legacyClient.createIndex(auditIndexConfig({ indexId }));
      const good = toAuditDocument(event());
      const bad = { ...toAuditDocument(event()), undeclared: "strict mode rejects me" };
      for (let round = 0; round < 2; round++) {
        const answer = await legacyClient.ingest(indexId, [good, bad], { detailedResponse: true });
        // No per-document outcome: the caller can tell it apart from "all indexed".
        expect(answer).toEqual({ num_docs_for_processing: 2 });
      }
      expect(legacy.documents(indexId).map((doc) => doc.id)).toEqual([good.id, good.id]);
      expect(legacy.requests.filter((request) => request.status === 400)).toHaveLength(refusals);
    } finally {
      await legacy.close();
    }
  });

  it("on ingest v2 names every rejected document", async () => {
    const indexId = indexName();
    await client.createIndex(auditIndexConfig({ indexId }));
    const bad = { ...toAuditDocument(event()), undeclared: "x" };
    const answer = await client.ingest(indexId, [toAuditDocument(event()), bad], { detailedResponse: true });
    expect(answer).toMatchObject({ num_docs_for_processing: 2, num_ingested_docs: 1, num_rejected_docs: 1 });
    expect(answer.parse_failures?.map((failure) => JSON.parse(failure.document).id)).toEqual([bad.id]);
  });
});
