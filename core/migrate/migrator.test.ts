import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createMigrator, defaultMigrationsDir, MigrationError, migrateUp } from "./index.ts";
import { readMigrations } from "./files.ts";
import { copyBaseMigrations, createTempDatabase, snapshot } from "./test-db.ts";
import type { TempDatabase } from "./test-db.ts";

// Real databases (CREATE DATABASE per test) and child processes: slow on a loaded machine, never a timing assertion.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let db: TempDatabase;
let pool: pg.Pool;
beforeEach(async () => {
  db = await createTempDatabase();
  pool = db.pool();
});
afterEach(async () => {
  await db.drop();
});

const row = async () => (await pool.query("SELECT version, dirty FROM migrations")).rows;
const locks = async () => (await pool.query("SELECT lock_id FROM migrations_locks")).rows;

describe("real migrations", () => {
  test("every step goes up and comes back down to the schema before it; up → down all → up is identical", async () => {
    const migrator = createMigrator({ pool, dir: defaultMigrationsDir });
    const { migrations } = await readMigrations(defaultMigrationsDir);
    const before = [await snapshot(pool)];
    for (const migration of migrations) {
      expect(await migrator.up(1)).toEqual([migration.version]);
      before.push(await snapshot(pool));
    }
    const versions = migrations.map((migration) => migration.version);
    expect(await row()).toEqual([{ version: versions.at(-1), dirty: false }]);
    const latest = before.at(-1);
    expect(latest?.indexes).toContainEqual(expect.objectContaining({ indexname: "idx_audit_created", indisvalid: true }));

    for (let index = versions.length - 1; index >= 0; index--) {
      expect(await migrator.down()).toEqual([versions[index]]);
      expect(await snapshot(pool), `after reverting ${versions[index]}`).toEqual(before[index]);
    }
    expect(await row()).toEqual([]);

    expect(await migrator.up()).toHaveLength(migrations.length);
    expect(await snapshot(pool)).toEqual(latest);
    expect(await migrator.down("all")).toHaveLength(migrations.length);
    expect(await snapshot(pool)).toEqual(before[0]);
    expect(await migrateUp(pool)).toHaveLength(migrations.length);
    expect(await snapshot(pool)).toEqual(latest);
    expect(await locks()).toEqual([]);
  });

  test("up N and down N move by N; nothing to do is no change", async () => {
    const migrator = createMigrator({ pool, dir: defaultMigrationsDir });
    const versions = (await readMigrations(defaultMigrationsDir)).migrations.map((migration) => migration.version);
    expect(await migrator.up(4)).toEqual([1, 2, 3, 4]);
    expect(await migrator.down(2)).toEqual([4, 3]);
    expect(await migrator.status()).toEqual({ version: 2, dirty: false, latest: versions.at(-1), pending: versions.slice(2) });
    expect(await migrator.up()).toHaveLength(versions.length - 2);
    expect(await migrator.up()).toEqual([]);
    await expect(migrator.up(0)).rejects.toThrow(/positive whole number/);
  });
});

describe("a failing up", () => {
  let dir: string;
  const logs: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "migrate-broken-"));
    await copyBaseMigrations(dir);
    logs.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const broken = async (up: string, down: string) => {
    await writeFile(join(dir, "000011_broken.up.sql"), up);
    await writeFile(join(dir, "000011_broken.down.sql"), down);
    return createMigrator({ pool, dir, log: (line) => logs.push(line) });
  };

  test("runs its down, undoing what it left behind, and restores the previous version clean", async () => {
    // A unique index built CONCURRENTLY over duplicates fails *and* leaves an invalid index behind:
    // a partial effect no transaction takes back, which only the down file removes.
    const migrator = await broken(
      "CREATE UNIQUE INDEX CONCURRENTLY idx_users_display_name ON users (display_name);",
      "DROP INDEX CONCURRENTLY IF EXISTS idx_users_display_name;",
    );
    await migrator.up(10);
    await pool.query("INSERT INTO users (email, display_name) VALUES ('a@example.com', 'Sam'), ('b@example.com', 'Sam')");
    const at10 = await snapshot(pool);

    const error = await migrator.up().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      /^000011_broken\.up\.sql failed: could not create unique index "idx_users_display_name" \(23505\)\. Rolled back to version 10\.$/,
    );
    expect(logs).toContain("applying 000011_broken.up.sql");
    expect(logs.some((line) => line.includes("running 000011_broken.down.sql"))).toBe(true);
    expect(await row()).toEqual([{ version: 10, dirty: false }]);
    expect(await snapshot(pool)).toEqual(at10);
    expect(await locks()).toEqual([]);
  });

  test("without that down the invalid index would stay (the test above is not vacuous)", async () => {
    const migrator = await broken("CREATE UNIQUE INDEX CONCURRENTLY idx_users_display_name ON users (display_name);", "SELECT 1;");
    await migrator.up(10);
    await pool.query("INSERT INTO users (email, display_name) VALUES ('a@example.com', 'Sam'), ('b@example.com', 'Sam')");
    await expect(migrator.up()).rejects.toThrow(MigrationError);
    expect((await snapshot(pool)).indexes).toContainEqual(expect.objectContaining({ indexname: "idx_users_display_name", indisvalid: false }));
  });

  test("a multi-statement file is undone whole, and the error names the file, the cause and its line", async () => {
    const migrator = await broken(
      "CREATE TABLE broken_partial (id int);\nINSERT INTO broken_partial VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n",
      "DROP TABLE IF EXISTS broken_partial;\n",
    );
    await migrator.up(10);
    const at10 = await snapshot(pool);
    await expect(migrator.up()).rejects.toThrow(
      '000011_broken.up.sql failed: relation "no_such_table" does not exist (42P01, line 3). Rolled back to version 10.',
    );
    expect(await row()).toEqual([{ version: 10, dirty: false }]);
    expect(await snapshot(pool)).toEqual(at10);
  });

  test("the first migration failing goes back to no version at all", async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), "migrate-first-"));
    try {
      await writeFile(join(emptyDir, "000001_first.up.sql"), "CREATE TABLE first_t (id int);\nSELECT 1/0;");
      await writeFile(join(emptyDir, "000001_first.down.sql"), "DROP TABLE IF EXISTS first_t;");
      const migrator = createMigrator({ pool, dir: emptyDir });
      await expect(migrator.up()).rejects.toThrow(/Rolled back to version none/);
      expect(await row()).toEqual([]);
      expect(await migrator.status()).toEqual({ version: null, dirty: false, latest: 1, pending: [1] });
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  test("when its down fails too, it stays dirty until forced", async () => {
    const migrator = await broken("CREATE TABLE broken_partial (id int);\nSELECT 1/0;", "SELECT 1/0;");
    await migrator.up(10);
    await expect(migrator.up()).rejects.toThrow(
      /000011_broken\.up\.sql failed: division by zero.*000011_broken\.down\.sql failed too: division by zero.*Left dirty at version 11/,
    );
    expect(await row()).toEqual([{ version: 11, dirty: true }]);
    expect(await locks()).toEqual([]);
    await expect(migrator.up()).rejects.toThrow("Dirty database version 11. Fix and force version");
    await expect(migrator.down()).rejects.toThrow("Dirty database version 11");

    await migrator.force(10);
    expect(await row()).toEqual([{ version: 10, dirty: false }]);
    expect(await migrator.status()).toMatchObject({ version: 10, dirty: false, pending: [11] });
  });
});

describe("force", () => {
  test("sets the version and clears dirty; -1 means none", async () => {
    const migrator = createMigrator({ pool, dir: defaultMigrationsDir });
    await migrator.up(2);
    await pool.query("UPDATE migrations SET dirty = true");
    await migrator.force(5);
    expect(await row()).toEqual([{ version: 5, dirty: false }]);
    await migrator.force(-1);
    expect(await row()).toEqual([]);
    await expect(migrator.force(-2)).rejects.toThrow(/version >= -1/);
    expect(await locks()).toEqual([]);
  });

  test("a version no file has is refused by up and down", async () => {
    const migrator = createMigrator({ pool, dir: defaultMigrationsDir });
    await migrator.force(42);
    await expect(migrator.up()).rejects.toThrow(/database is at version 42, which no file/);
    await expect(migrator.down()).rejects.toThrow(/version 42/);
  });
});
