import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createMigrator, defaultMigrationsDir, MigrationError, migrateUp } from "./index.ts";
import { readMigrations } from "./files.ts";
import { padVersion, repositoryVersions, snapshot } from "./test-db.ts";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../../test-support/throwaway-database.ts";

// Real databases (CREATE DATABASE per test) and child processes: slow on a loaded machine, never a timing assertion.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let db: ThrowawayDatabase;
let pool: pg.Pool;
beforeEach(async () => {
  db = await createThrowawayDatabase({ prefix: "migrate_test", migrate: false });
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
    expect(await row()).toEqual([{ version: migrations.at(-1)?.version, dirty: false }]);
    const latest = before.at(-1);
    expect(latest?.indexes).toContainEqual(
      expect.objectContaining({ indexname: "idx_audit_created", indisvalid: true }),
    );

    for (let index = migrations.length - 1; index >= 0; index--) {
      const version = migrations[index]!.version;
      expect(await migrator.down()).toEqual([version]);
      expect(await snapshot(pool), `after reverting ${version}`).toEqual(before[index]);
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
    const versions = await repositoryVersions();
    expect(await migrator.up(4)).toEqual([1, 2, 3, 4]);
    expect(await migrator.down(2)).toEqual([4, 3]);
    expect(await migrator.status()).toEqual({
      version: 2,
      dirty: false,
      latest: versions.at(-1),
      pending: versions.slice(2),
      ahead: false,
    });
    expect(await migrator.up()).toHaveLength(versions.length - 2);
    expect(await migrator.up()).toEqual([]);
    await expect(migrator.up(0)).rejects.toThrow(/positive whole number/);
  });
});

describe("a failing up", () => {
  let dir: string;
  const logs: string[] = [];
  // The real files, then one broken file after the newest: `up(count)` applies the real ones.
  let count: number;
  let last: number;
  let brokenFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "migrate-broken-"));
    await cp(defaultMigrationsDir, dir, { recursive: true });
    logs.length = 0;
    const versions = await repositoryVersions();
    count = versions.length;
    last = versions.at(-1)!;
    brokenFile = `${padVersion(last + 1)}_broken`;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const broken = async (up: string, down: string) => {
    await writeFile(join(dir, `${brokenFile}.up.sql`), up);
    await writeFile(join(dir, `${brokenFile}.down.sql`), down);
    return createMigrator({ pool, dir, log: (line) => logs.push(line) });
  };
  /** Brought up to the last real version, then a unique index over two users of the same name, with this down. */
  const uniqueIndexOverDuplicates = async (down: string) => {
    const migrator = await broken(
      "CREATE UNIQUE INDEX CONCURRENTLY idx_users_display_name ON users (display_name);",
      down,
    );
    await migrator.up(count);
    await pool.query(
      "INSERT INTO users (email, display_name) VALUES ('a@example.com', 'Sam'), ('b@example.com', 'Sam')",
    );
    return migrator;
  };

  test("runs its down, undoing what it left behind, and restores the previous version clean", async () => {
    // A unique index built CONCURRENTLY over duplicates fails *and* leaves an invalid index behind:
    // a partial effect no transaction takes back, which only the down file removes.
    const migrator = await uniqueIndexOverDuplicates("DROP INDEX CONCURRENTLY IF EXISTS idx_users_display_name;");
    const atLast = await snapshot(pool);

    const error = await migrator.up().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      `${brokenFile}.up.sql failed: could not create unique index "idx_users_display_name" (23505). Rolled back to version ${last}.`,
    );
    expect(logs).toContain(`applying ${brokenFile}.up.sql`);
    expect(logs.some((line) => line.includes(`running ${brokenFile}.down.sql`))).toBe(true);
    expect(await row()).toEqual([{ version: last, dirty: false }]);
    expect(await snapshot(pool)).toEqual(atLast);
    expect(await locks()).toEqual([]);
  });

  test("without that down the invalid index would stay (the test above is not vacuous)", async () => {
    const migrator = await uniqueIndexOverDuplicates("SELECT 1;");
    await expect(migrator.up()).rejects.toThrow(MigrationError);
    expect((await snapshot(pool)).indexes).toContainEqual(
      expect.objectContaining({ indexname: "idx_users_display_name", indisvalid: false }),
    );
  });

  test("a multi-statement file is undone whole, and the error names the file, the cause and its line", async () => {
    const migrator = await broken(
      "CREATE TABLE broken_partial (id int);\nINSERT INTO broken_partial VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n",
      "DROP TABLE IF EXISTS broken_partial;\n",
    );
    await migrator.up(count);
    const atLast = await snapshot(pool);
    await expect(migrator.up()).rejects.toThrow(
      `${brokenFile}.up.sql failed: relation "no_such_table" does not exist (42P01, line 3). Rolled back to version ${last}.`,
    );
    expect(await row()).toEqual([{ version: last, dirty: false }]);
    expect(await snapshot(pool)).toEqual(atLast);
  });

  test("the first migration failing goes back to no version at all", async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), "migrate-first-"));
    try {
      await writeFile(join(emptyDir, "000001_first.up.sql"), "CREATE TABLE first_t (id int);\nSELECT 1/0;");
      await writeFile(join(emptyDir, "000001_first.down.sql"), "DROP TABLE IF EXISTS first_t;");
      const migrator = createMigrator({ pool, dir: emptyDir });
      await expect(migrator.up()).rejects.toThrow(/Rolled back to version none/);
      expect(await row()).toEqual([]);
      expect(await migrator.status()).toEqual({ version: null, dirty: false, latest: 1, pending: [1], ahead: false });
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  test("when its down fails too, it stays dirty until forced", async () => {
    const migrator = await broken("CREATE TABLE broken_partial (id int);\nSELECT 1/0;", "SELECT 1/0;");
    await migrator.up(count);
    const next = last + 1;
    await expect(migrator.up()).rejects.toThrow(
      `${brokenFile}.up.sql failed: division by zero (22012). Its rollback ${brokenFile}.down.sql failed too: division by zero (22012). Left dirty at version ${next}`,
    );
    expect(await row()).toEqual([{ version: next, dirty: true }]);
    expect(await locks()).toEqual([]);
    await expect(migrator.up()).rejects.toThrow(`Dirty database version ${next}. Fix and force version`);
    await expect(migrator.down()).rejects.toThrow(`Dirty database version ${next}`);

    await migrator.force(last);
    expect(await row()).toEqual([{ version: last, dirty: false }]);
    expect(await migrator.status()).toMatchObject({ version: last, dirty: false, pending: [next] });
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

  test("a version between the files is refused by up and down", async () => {
    const dir = await mkdtemp(join(tmpdir(), "migrate-gap-"));
    try {
      for (const version of [1, 3]) {
        await writeFile(join(dir, `${padVersion(version)}_t${version}.up.sql`), `CREATE TABLE t${version} (id int);`);
        await writeFile(join(dir, `${padVersion(version)}_t${version}.down.sql`), `DROP TABLE IF EXISTS t${version};`);
      }
      const migrator = createMigrator({ pool, dir });
      expect(await migrator.up()).toEqual([1, 3]);
      await migrator.force(2);
      await expect(migrator.up()).rejects.toThrow(/database is at version 2, which no file/);
      await expect(migrator.down()).rejects.toThrow(/version 2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a database ahead of the files (the code was rolled back)", () => {
  test("up applies nothing, says so and succeeds; the version stays; down and a dirty version are still refused", async () => {
    const logs: string[] = [];
    const migrator = createMigrator({ pool, dir: defaultMigrationsDir, log: (line) => logs.push(line) });
    const last = (await repositoryVersions()).at(-1)!;
    await migrator.up();
    // What a newer release's migrator leaves behind: a version the files in this checkout lack.
    await migrator.force(last + 1);
    const before = await snapshot(pool);

    expect(await migrator.up()).toEqual([]);
    expect(await migrateUp(pool)).toEqual([]);
    expect(logs).toContain(`database is at version ${last + 1}, ahead of the newest file (${last}): nothing to apply`);
    expect(await row()).toEqual([{ version: last + 1, dirty: false }]);
    expect(await snapshot(pool)).toEqual(before);
    expect(await migrator.status()).toEqual({
      version: last + 1,
      dirty: false,
      latest: last,
      pending: [],
      ahead: true,
    });
    expect(await locks()).toEqual([]);

    await expect(migrator.down()).rejects.toThrow(/ahead of the newest file/);
    await pool.query("UPDATE migrations SET dirty = true");
    await expect(migrator.up()).rejects.toThrow(`Dirty database version ${last + 1}`);
  });
});
