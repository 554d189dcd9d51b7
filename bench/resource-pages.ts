import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { startApi, type TestApi } from "../test-support/http.ts";
import { signUp } from "../test-support/identity.ts";
import { count, fixed, ms, progress, summarize, timed, type BenchResult } from "./report.ts";

const RESOURCES = 100_000;
// Another tenant's rows interleaved with ours: the org filter has to do real work, as in production.
const OTHER_RESOURCES = 100_000;
const LIMIT = 50;
const DEEP_PAGE = 1_000;
const REPETITIONS = 200;
const TARGET = 1.5;

/**
 * Server time of each answered request, from node's own instrumentation: from the parsed request
 * to the last byte handed to the socket. The client's share of a loopback round trip (fetch, JSON
 * parsing) is not in it, and it would shrink the gap between the pages towards 1.
 */
function serverClock() {
  const started = new WeakMap<ServerResponse, number>();
  const durations: number[] = [];
  const onStart = (message: unknown) =>
    started.set((message as { response: ServerResponse }).response, performance.now());
  const onFinish = (message: unknown) => {
    const at = started.get((message as { response: ServerResponse }).response);
    if (at !== undefined) durations.push(performance.now() - at);
  };
  subscribe("http.server.request.start", onStart);
  subscribe("http.server.response.finish", onFinish);
  return {
    /** The server time of the one request `fn` makes. */
    async measure(fn: () => Promise<void>): Promise<number> {
      const before = durations.length;
      await fn();
      // 'finish' fires when the answer is flushed, which can come after the client has read it.
      for (let spins = 0; durations.length === before && spins < 100; spins++)
        await new Promise((resolve) => setImmediate(resolve));
      if (durations.length !== before + 1)
        throw new Error(`expected one server timing, got ${durations.length - before}`);
      return durations.at(-1)!;
    },
    stop() {
      unsubscribe("http.server.request.start", onStart);
      unsubscribe("http.server.response.finish", onFinish);
    },
  };
}

interface Page {
  items: { id: string }[];
  nextCursor: string | null;
}

async function page(api: TestApi, token: string, orgId: string, cursor?: string): Promise<Page> {
  const query = new URLSearchParams({ limit: String(LIMIT), ...(cursor ? { cursor } : {}) });
  const answer = await api.request<Page>("GET", `/orgs/${orgId}/resources?${query}`, { token });
  if (answer.status !== 200) throw new Error(`list answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function seed(client: pg.Client, orgId: string, otherOrgId: string): Promise<void> {
  const total = RESOURCES + OTHER_RESOURCES;
  await client.query(
    `INSERT INTO resources (org_id, type, name, config, status, created_at, updated_at)
     SELECT CASE WHEN i % ${total / RESOURCES} = 0 THEN $1::uuid ELSE $2::uuid END,
            (ARRAY['voice.agent', 'phone.number', 'webhook', 'storage.bucket'])[1 + i % 4],
            'resource ' || i,
            jsonb_build_object('region', 'eu-west-1', 'replicas', i % 5, 'tags', jsonb_build_array('bench', 'r' || i % 17)),
            CASE WHEN i % 10 = 0 THEN 'disabled' ELSE 'active' END,
            now() - (${total} - i) * interval '1 second',
            now() - (${total} - i) * interval '1 second'
     FROM generate_series(1, ${total}) AS i`,
    [orgId, otherOrgId],
  );
  await client.query("VACUUM (ANALYZE) resources");
}

export async function run(): Promise<BenchResult[]> {
  const api = await startApi();
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const clock = serverClock();
  try {
    const { token } = await signUp(api);
    const created = await api.request("POST", "/orgs", {
      token,
      body: { name: "Bench Org", slug: `bench-pages-${Date.now()}` },
    });
    if (created.status !== 201)
      throw new Error(`POST /orgs answered ${created.status}: ${JSON.stringify(created.body)}`);
    const orgId: string = created.body.org.id;
    const other = await client.query<{ id: string }>(
      "INSERT INTO organizations (name, slug) VALUES ('Other', $1) RETURNING id",
      [`bench-other-${Date.now()}`],
    );

    progress("resource-pages", `seeding ${count(RESOURCES)} resources (+ ${count(OTHER_RESOURCES)} of another org)`);
    await seed(client, orgId, other.rows[0]!.id);

    progress("resource-pages", `walking to page ${count(DEEP_PAGE)} through the API`);
    const walk = await timed(async () => {
      let cursor: string | undefined;
      for (let n = 1; n < DEEP_PAGE; n++) {
        const next = (await page(api, token, orgId, cursor)).nextCursor;
        if (!next) throw new Error(`the list ended at page ${n}`);
        cursor = next;
      }
      return cursor!;
    });
    const deepCursor = walk.value;

    // Page 1,000 must be rows 49,951–50,000 of the org's newest-first order, not merely fast.
    const expected = await client.query<{ id: string }>(
      "SELECT id FROM resources WHERE org_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT $3",
      [orgId, (DEEP_PAGE - 1) * LIMIT, LIMIT],
    );
    const deep = await page(api, token, orgId, deepCursor);
    if (deep.items.map((item) => item.id).join() !== expected.rows.map((row) => row.id).join()) {
      throw new Error(`page ${DEEP_PAGE} does not hold rows ${(DEEP_PAGE - 1) * LIMIT + 1}–${DEEP_PAGE * LIMIT}`);
    }

    progress("resource-pages", `${REPETITIONS} × page 1 and page ${count(DEEP_PAGE)}, alternating`);
    const first: number[] = [];
    const thousandth: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      first.push(await clock.measure(async () => void (await page(api, token, orgId))));
      thousandth.push(await clock.measure(async () => void (await page(api, token, orgId, deepCursor))));
    }
    const a = summarize(first);
    const b = summarize(thousandth);
    return [
      {
        name: "resource-pages",
        figures: `page 1 p50 ${ms(a.p50)} p99 ${ms(a.p99)} | page ${count(DEEP_PAGE)} p50 ${ms(b.p50)} p99 ${ms(b.p99)} (server time, limit ${LIMIT})`,
        ratio: b.p50 / a.p50,
        ratioOf: `page ${count(DEEP_PAGE)}/page 1 p50`,
        target: { op: "<=", value: TARGET },
        note: `${count(RESOURCES)} resources in the org, ${REPETITIONS} requests each; walking ${count(DEEP_PAGE - 1)} pages took ${ms(walk.ms)} (${fixed(walk.ms / (DEEP_PAGE - 1), 2)} ms a page)`,
      },
    ];
  } finally {
    clock.stop();
    await client.end();
    await api.close();
  }
}
