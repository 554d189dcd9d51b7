import pg from "pg";
import { count, ms, progress, timed, type BenchResult } from "./report.ts";

const EXPIRED = 1_000_000;
// Live sessions sit among the expired ones: both sides must leave exactly these behind.
const LIVE = 1_000;
const USERS = 10;
const TARGET = 1.5;

async function query(client: pg.Client, text: string): Promise<pg.QueryResult> {
  return client.query(text);
}

/**
 * Fresh table, the same rows every time, then VACUUM ANALYZE and a CHECKPOINT: each side starts
 * with set hint bits, current statistics and no dirty pages left over from the generation.
 */
async function generate(client: pg.Client): Promise<void> {
  await query(client, "TRUNCATE user_sessions");
  await query(
    client,
    `INSERT INTO user_sessions (user_id, token_hash, expires_at, created_at, last_used_at, ip_address, user_agent)
     SELECT u.ids[1 + i % u.n],
            encode(sha256(convert_to('bench-session-' || i, 'UTF8')), 'hex'),
            -- Older rows expire first, as sessions do: the physical order follows expiry.
            CASE WHEN i <= ${LIVE} THEN now() + interval '1 day' ELSE now() - interval '1 hour' - (${EXPIRED + LIVE} - i) * interval '1 second' END,
            now() - interval '40 days',
            now() - interval '8 days',
            '203.0.113.10',
            'bench'
     FROM generate_series(1, ${EXPIRED + LIVE}) AS i,
          (SELECT array_agg(id) AS ids, count(*)::int AS n FROM users WHERE email LIKE 'bench-cleanup-%') AS u`,
  );
  await query(client, "VACUUM (ANALYZE) user_sessions");
  await query(client, "CHECKPOINT");
}

/**
 * Each side starts on connections of its own, as a scheduled job and a one-off DELETE would. The
 * backend that has just written the million rows ran the same DELETE in ~720 ms where a fresh one
 * took 1,240–1,480 ms: a fresh PostgreSQL backend first maps shared_buffers page by page (~27,000
 * minor faults in /proc/<pid>/stat for one such DELETE here), which the generator's backend had
 * already done. Running the DELETE on the generator's connection favoured it.
 */
async function onFreshConnection<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const fresh = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await fresh.connect();
  try {
    return await fn(fresh);
  } finally {
    await fresh.end();
  }
}

async function remaining(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM user_sessions");
  return rows[0]!.n;
}

export async function run(): Promise<BenchResult[]> {
  const Session = await import("@voxguard/core/session");
  const { closeDb } = await import("@voxguard/core/db");
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await query(
      client,
      `INSERT INTO users (email, display_name, password_hash)
       SELECT 'bench-cleanup-' || i || '@example.test', 'Bench ' || i, NULL FROM generate_series(1, ${USERS}) AS i`,
    );

    progress("cleanup-sessions", `generating ${count(EXPIRED)} expired + ${count(LIVE)} live sessions`);
    const generation = await timed(() => generate(client));
    progress("cleanup-sessions", `generated in ${ms(generation.ms)}; one DELETE`);
    const single = await onFreshConnection((fresh) =>
      timed(() => query(fresh, "DELETE FROM user_sessions WHERE expires_at < now()")),
    );
    if (single.value.rowCount !== EXPIRED)
      throw new Error(`the single DELETE removed ${single.value.rowCount} rows, not ${EXPIRED}`);
    if ((await remaining(client)) !== LIVE)
      throw new Error("the single DELETE did not leave exactly the live sessions");

    progress("cleanup-sessions", "regenerating; the job's batches");
    await generate(client);
    // The job's pool is new too: nothing in this process has used it before.
    await closeDb();
    const job = await timed(() => Session.removeExpired());
    if (job.value.deleted !== EXPIRED || !job.value.complete) {
      throw new Error(`the job removed ${job.value.deleted} rows (complete: ${job.value.complete}), not ${EXPIRED}`);
    }
    if ((await remaining(client)) !== LIVE) throw new Error("the job did not leave exactly the live sessions");

    return [
      {
        name: "cleanup-sessions",
        figures: `job ${ms(job.ms)} (${job.value.batches} batches of ≤ ${count(Session.MAX_CLEANUP_BATCH)}) | single DELETE ${ms(single.ms)}, ${count(EXPIRED)} expired rows`,
        ratio: job.ms / single.ms,
        ratioOf: "job/DELETE time",
        target: { op: "<=", value: TARGET },
        note: `${count((EXPIRED / job.ms) * 1000)} vs ${count((EXPIRED / single.ms) * 1000)} rows/s; ${count(LIVE)} live sessions kept by both`,
      },
    ];
  } finally {
    await query(client, "TRUNCATE user_sessions").catch(() => undefined);
    await client.end();
  }
}
