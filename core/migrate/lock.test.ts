import { cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { createMigrator, defaultMigrationsDir, lockId, MigrationLockedError } from "./index.ts";
import { readMigrations } from "./files.ts";
import { useScratch } from "./test-scratch.ts";

// The real migrations' versions (gaps allowed); test migrations go far past the last one.
const REAL = (await readMigrations(defaultMigrationsDir)).migrations.map((m) => m.version);
const [EXTRA, EXTRA_AGAIN] = [900001, 900002];

// Real databases (CREATE DATABASE per test) and child processes: slow on a loaded machine, never a timing assertion.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe("lockId", () => {
  test("matches golang-migrate's GenerateAdvisoryLockId", () => {
    // The expectation golang-migrate's own tests state for GenerateAdvisoryLockId.
    expect(lockId("database_name")).toBe("1764327054");
    // Derived by hand as GenerateAdvisoryLockId does: crc32.ChecksumIEEE("/voxguard") = 583112378 (0x22c196ba),
    // times the salt 1486364155 = 866717336996010590, kept to uint32 (mod 2^32) = 1884412510.
    expect(lockId("/voxguard")).toBe("1884412510");
    // The product wraps past 2^31: printed unsigned, as Go prints a uint32.
    expect(lockId("voxguard")).toBe("3214897589");
  });
});

describe("lock", () => {
  const scratch = useScratch("migrate-lock-", "test");
  beforeEach(() => cp(defaultMigrationsDir, scratch.dir, { recursive: true }));

  const addMigration = async (version: number, name: string, up: string, down: string) => {
    const prefix = `${String(version).padStart(6, "0")}_${name}`;
    await writeFile(join(scratch.dir, `${prefix}.up.sql`), up);
    await writeFile(join(scratch.dir, `${prefix}.down.sql`), down);
  };

  test("is held, under the Go driver's id for this database, while files run; released after", async () => {
    await addMigration(
      EXTRA,
      "seen_locks",
      "CREATE TABLE seen_locks AS SELECT lock_id FROM migrations_locks;",
      "DROP TABLE IF EXISTS seen_locks;",
    );
    const pool = scratch.db.pool();
    await createMigrator({ pool, dir: scratch.dir }).up();
    const seen = await pool.query("SELECT lock_id FROM seen_locks");
    expect(seen.rows).toEqual([{ lock_id: lockId(`/${scratch.db.name}`) }]);
    expect((await pool.query("SELECT * FROM migrations_locks")).rows).toEqual([]);
  });

  test("a lock held elsewhere (golang-migrate, another runner) fails fast, applies nothing and is left alone", async () => {
    const pool = scratch.db.pool();
    // The Go driver's own DDL for its lock table, and the row it inserts while it runs.
    await pool.query(`CREATE TABLE "migrations_locks" (lock_id TEXT NOT NULL PRIMARY KEY)`);
    await pool.query("INSERT INTO migrations_locks (lock_id) VALUES ($1)", [lockId(`/${scratch.db.name}`)]);
    const migrator = createMigrator({ pool, dir: scratch.dir });

    for (const attempt of [() => migrator.up(), () => migrator.down(), () => migrator.force(3)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationLockedError);
      expect((error as Error).message).toMatch(
        /another runner holds migrations_locks\.lock_id '\d+'.*DELETE FROM migrations_locks/,
      );
    }
    expect((await pool.query("SELECT to_regclass('users') AS users")).rows).toEqual([{ users: null }]);
    expect((await pool.query("SELECT lock_id FROM migrations_locks")).rows).toEqual([
      { lock_id: lockId(`/${scratch.db.name}`) },
    ]);
  });

  test("shares the version table the Go driver made", async () => {
    const pool = scratch.db.pool();
    const migrator = createMigrator({ pool, dir: scratch.dir });
    await migrator.up(3);
    // Recreate the bookkeeping exactly as golang-migrate's yugabytedb driver does, at version 3.
    await pool.query(`DROP TABLE migrations`);
    await pool.query(`CREATE TABLE "migrations" (version INT NOT NULL PRIMARY KEY, dirty BOOL NOT NULL)`);
    await pool.query(`INSERT INTO "migrations" (version, dirty) VALUES (3, false)`);
    expect(await migrator.status()).toMatchObject({ version: 3, dirty: false, pending: REAL.slice(3) });
    expect(await migrator.up()).toEqual(REAL.slice(3));
    expect((await pool.query("SELECT version, dirty FROM migrations")).rows).toEqual([
      { version: REAL.at(-1), dirty: false },
    ]);
  });

  test("two concurrent runners apply each file exactly once", async () => {
    // A counter: a file applied twice leaves two rows (or fails on its CREATE TABLE).
    await addMigration(
      EXTRA,
      "counter",
      // The sleep keeps the lock held long enough for the runners to overlap; nothing asserts on time.
      `CREATE TABLE migrate_counter (version int NOT NULL);\nINSERT INTO migrate_counter VALUES (${EXTRA});\nSELECT pg_sleep(0.3);`,
      "DROP TABLE IF EXISTS migrate_counter;",
    );
    await addMigration(
      EXTRA_AGAIN,
      "counter_again",
      `INSERT INTO migrate_counter VALUES (${EXTRA_AGAIN});`,
      `DELETE FROM migrate_counter WHERE version = ${EXTRA_AGAIN};`,
    );
    const a = createMigrator({ pool: scratch.db.pool(), dir: scratch.dir });
    const b = createMigrator({ pool: scratch.db.pool(), dir: scratch.dir });

    const results = await Promise.allSettled([a.up(), b.up()]);

    const applied = results.flatMap((r) => (r.status === "fulfilled" ? r.value : []));
    expect(applied.sort((x, y) => x - y)).toEqual([...REAL, EXTRA, EXTRA_AGAIN]);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(MigrationLockedError);
    const pool = scratch.db.pool();
    expect(
      (await pool.query("SELECT version, count(*)::int AS n FROM migrate_counter GROUP BY 1 ORDER BY 1")).rows,
    ).toEqual([
      { version: EXTRA, n: 1 },
      { version: EXTRA_AGAIN, n: 1 },
    ]);
    expect((await pool.query("SELECT version, dirty FROM migrations")).rows).toEqual([
      { version: EXTRA_AGAIN, dirty: false },
    ]);
    expect((await pool.query("SELECT * FROM migrations_locks")).rows).toEqual([]);
  });

  test("is released after a failed migration, so the next run can go", async () => {
    await addMigration(EXTRA, "broken", "SELECT 1/0;", "SELECT 1;");
    const pool = scratch.db.pool();
    const migrator = createMigrator({ pool, dir: scratch.dir });
    await expect(migrator.up()).rejects.toThrow(new RegExp(`${EXTRA}_broken\\.up\\.sql failed: division by zero`));
    expect((await pool.query("SELECT * FROM migrations_locks")).rows).toEqual([]);
    await writeFile(join(scratch.dir, `${EXTRA}_broken.up.sql`), "SELECT 1;");
    expect(await migrator.up()).toEqual([EXTRA]);
  });
});
