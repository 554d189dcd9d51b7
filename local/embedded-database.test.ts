import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrator } from "@voxguard/core/migrate";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded-database.ts";

const tempDir = mkdtempSync(path.join(tmpdir(), "voxguard-pglite-"));
const dataDir = path.join(tempDir, "pgdata");
let database: EmbeddedDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await startEmbeddedDatabase({ dataDir });
  // As core/db builds its pool: its own settings first, the embedded overrides (setPoolOverrides) last.
  const overrides: Partial<pg.PoolConfig> = database.poolOverrides;
  pool = new pg.Pool({
    connectionString: database.databaseUrl,
    max: 4,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    ...overrides,
  });
});

afterAll(async () => {
  await pool?.end();
  await database?.close();
  rmSync(tempDir, { recursive: true, force: true });
});

describe("startEmbeddedDatabase", () => {
  it("serves queries through an ordinary pg.Pool", async () => {
    const { rows } = await pool.query<{ answer: number; now: Date }>(
      "SELECT $1::int + 1 AS answer, now() AS now",
      [41],
    );
    expect(rows[0]!.answer).toBe(42);
    expect(rows[0]!.now).toBeInstanceOf(Date);
  });

  it("has gen_random_uuid() built in, as migration 000001 needs, and pgcrypto for older data", async () => {
    const { rows: builtIn } = await pool.query<{ id: string }>("SELECT gen_random_uuid()::text AS id");
    expect(builtIn[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await pool.query("CREATE EXTENSION IF NOT EXISTS pgcrypto");
    const { rows } = await pool.query<{ digest: string }>(
      "SELECT encode(digest('voxguard', 'sha256'), 'hex') AS digest",
    );
    expect(rows[0]!.digest).toBe(createHash("sha256").update("voxguard").digest("hex"));
  });

  it("applies the repository's migrations", async () => {
    const migrator = createMigrator({ pool, dir: path.resolve(import.meta.dirname, "..", "migrations") });
    const applied = await migrator.up();
    expect(applied.length).toBeGreaterThan(0);
    const status = await migrator.status();
    expect(status).toMatchObject({ dirty: false, pending: [] });
    const { rows } = await pool.query<{ count: string }>(
      "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users', 'organizations', 'audit_log')",
    );
    expect(Number(rows[0]!.count)).toBe(3);
  });

  it("keeps working after a failed query (the pool replaces the client)", async () => {
    for (let i = 0; i < 3; i++) {
      await expect(pool.query("SELECT 1 / 0")).rejects.toMatchObject({ code: "22012" });
      const { rows } = await pool.query<{ ok: number }>("SELECT 1 AS ok");
      expect(rows[0]!.ok).toBe(1);
    }
  });

  it("gives a new client a clean session even when the last one was dropped mid-transaction", async () => {
    const client = await pool.connect();
    await client.query("BEGIN");
    await client.query("CREATE TABLE left_behind (x int)");
    await client.query("PREPARE left_statement AS SELECT 1");
    client.release(new Error("dropped"));

    const { rows } = await pool.query<{ table: string | null; statements: number }>(
      "SELECT to_regclass('left_behind')::text AS table, (SELECT count(*)::int FROM pg_prepared_statements) AS statements",
    );
    expect(rows[0]).toEqual({ table: null, statements: 0 });
  });

  it("runs concurrent queries one at a time on its single session", async () => {
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => pool.query<{ n: number }>("SELECT $1::int AS n", [n])),
    );
    expect(results.map((result) => result.rows[0]!.n)).toEqual([1, 2, 3, 4, 5]);
    expect(pool.totalCount).toBeLessThanOrEqual(1);
  });

  it("refuses a second client while one holds the session", async () => {
    const held = await pool.connect();
    const other = new pg.Pool({ ...database.poolOverrides });
    try {
      await expect(other.query("SELECT 1")).rejects.toThrow(/single session/);
    } finally {
      held.release();
      await other.end();
    }
  });

  it("refuses a second instance on the same data directory", async () => {
    await expect(startEmbeddedDatabase({ dataDir })).rejects.toThrow(/in use by process/);
  });

  it("keeps its data across a restart", async () => {
    await pool.query("CREATE TABLE IF NOT EXISTS kept (v text)");
    await pool.query("INSERT INTO kept VALUES ('still here')");
    await pool.end();
    await database.close();

    database = await startEmbeddedDatabase({ dataDir });
    pool = new pg.Pool({ ...database.poolOverrides });
    const { rows } = await pool.query<{ v: string }>("SELECT v FROM kept");
    expect(rows).toEqual([{ v: "still here" }]);
  });
});
