import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { CONTRACT_MARKER, defaultMigrationsDir, HOT_RANGE_MARKER, lintMigrations } from "./index.ts";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "migrate-lint-"));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

const BASE = {
  "000001_init.up.sql": "CREATE TABLE users (id int PRIMARY KEY, email text, name text);\n",
  "000001_init.down.sql": "DROP TABLE IF EXISTS users;\n",
};

/** A folder with the base table plus one second up file holding `sql`; returns its issues. */
async function lintSecond(sql: string) {
  return lintMigrations(
    await folder({ ...BASE, "000002_change.up.sql": sql, "000002_change.down.sql": "SELECT 1;\n" }),
  );
}

describe("lint", () => {
  test("passes the real migrations", async () => {
    expect(await lintMigrations(defaultMigrationsDir)).toEqual([]);
  });

  test.each([
    ["DROP TABLE", "DROP TABLE users;", /DROP TABLE is destructive/],
    ["DROP INDEX", "DROP INDEX IF EXISTS idx_users_email;", /DROP INDEX is destructive/],
    ["DROP COLUMN", "ALTER TABLE users DROP COLUMN name;", /DROP COLUMN is destructive/],
    ["DROP without COLUMN", "ALTER TABLE users ADD COLUMN age int, DROP name;", /DROP COLUMN is destructive/],
    ["DROP CONSTRAINT", "ALTER TABLE users DROP CONSTRAINT users_pkey;", /DROP CONSTRAINT is destructive/],
    ["RENAME COLUMN", "ALTER TABLE users RENAME COLUMN name TO full_name;", /RENAME/],
    ["RENAME TABLE", "ALTER TABLE users RENAME TO people;", /RENAME/],
    ["RENAME INDEX", "ALTER INDEX users_pkey RENAME TO users_key;", /RENAME/],
    ["ALTER COLUMN TYPE", "ALTER TABLE users ALTER COLUMN email TYPE varchar(100);", /TYPE/],
    ["SET DATA TYPE", "ALTER TABLE users ALTER email SET DATA TYPE varchar(100);", /TYPE/],
    ["SET NOT NULL", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", /SET NOT NULL/],
    ["ADD COLUMN NOT NULL", "ALTER TABLE users ADD COLUMN IF NOT EXISTS age int NOT NULL;", /NOT NULL without DEFAULT/],
    ["ADD NOT NULL without COLUMN", "ALTER TABLE users ADD age int NOT NULL;", /NOT NULL without DEFAULT/],
    [
      "CREATE INDEX without CONCURRENTLY",
      "CREATE INDEX idx_users_name ON users (name);",
      /existing table users without CONCURRENTLY/,
    ],
    [
      "CREATE INDEX on a schema-qualified table",
      "CREATE UNIQUE INDEX ON public.users USING btree (email);",
      /existing table users/,
    ],
  ])("rejects %s", async (_, sql, message) => {
    const issues = await lintSecond(`-- a comment first\n\n${sql}\n`);
    expect(issues).toEqual([{ file: "000002_change.up.sql", line: 3, message: expect.stringMatching(message) }]);
    expect(issues[0]?.message).toContain(CONTRACT_MARKER);
  });

  test("reports the line of each offending statement", async () => {
    const issues = await lintSecond(
      "ALTER TABLE users ADD COLUMN a int;\n\nALTER TABLE users\n  ALTER COLUMN email\n  SET NOT NULL;\nDROP TABLE users;\n",
    );
    expect(issues.map((issue) => issue.line)).toEqual([5, 6]);
  });

  test.each([
    ["a nullable column", "ALTER TABLE users ADD COLUMN age int;"],
    ["NOT NULL with a DEFAULT", "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;"],
    ["an added constraint", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"],
    ["DROP NOT NULL (it loosens)", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"],
    [
      "a lone CONCURRENTLY index",
      "-- why: lookups by name\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_name ON users (name);",
    ],
    [
      "an index on a table created earlier in the file",
      'CREATE TABLE IF NOT EXISTS "Teams" (id int);\nCREATE INDEX idx_teams ON "Teams" (id);',
    ],
    [
      "keywords in comments and strings",
      "-- DROP TABLE users;\n/* ALTER TABLE users RENAME TO x; */\nINSERT INTO users (id, name) VALUES (1, 'DROP TABLE users; it''s fine');",
    ],
    ["keywords in a dollar-quoted body", "DO $body$ BEGIN EXECUTE 'DROP TABLE users'; END $body$;"],
    [
      "a column whose name contains a keyword",
      "ALTER TABLE users ADD COLUMN rename_count int, ADD COLUMN dropped_at timestamptz;",
    ],
  ])("accepts %s", async (_, sql) => {
    expect(await lintSecond(sql)).toEqual([]);
  });

  test("a contract step may be destructive", async () => {
    expect(
      await lintSecond(
        `${CONTRACT_MARKER} nothing reads users.name since release 42\nALTER TABLE users DROP COLUMN name;\n`,
      ),
    ).toEqual([]);
  });

  test("the marker counts only on the first line", async () => {
    expect(await lintSecond(`-- note\n${CONTRACT_MARKER}\nDROP TABLE users;\n`)).toHaveLength(1);
  });

  test("down files get the YSQL rules only: undoing an up is destructive by nature", async () => {
    const dir = await folder({ ...BASE, "000001_init.down.sql": "DROP TABLE users;\nALTER TABLE x RENAME TO y;\n" });
    expect(await lintMigrations(dir)).toEqual([]);
  });
});

describe("lint, YSQL rules", () => {
  /** Issues of a folder with the base table and one more migration. */
  async function lintPair(up: string, down = "SELECT 1;\n") {
    return lintMigrations(await folder({ ...BASE, "000002_change.up.sql": up, "000002_change.down.sql": down }));
  }

  test("rejects DROP INDEX CONCURRENTLY in a down file and in a contract step", async () => {
    expect(await lintPair("SELECT 1;\n", "DROP INDEX CONCURRENTLY IF EXISTS idx_users_name;\n")).toEqual([
      {
        file: "000002_change.down.sql",
        line: 1,
        message: expect.stringMatching(/YSQL rejects DROP INDEX CONCURRENTLY.*DROP INDEX IF EXISTS/),
      },
    ]);
    const contract = await lintPair(
      `${CONTRACT_MARKER} unused since release 7\nDROP INDEX CONCURRENTLY IF EXISTS idx_users_name;\n`,
    );
    expect(contract).toEqual([
      { file: "000002_change.up.sql", line: 2, message: expect.stringMatching(/YSQL rejects DROP INDEX CONCURRENTLY/) },
    ]);
    expect(await lintPair(`${CONTRACT_MARKER} unused since release 7\nDROP INDEX IF EXISTS idx_users_name;\n`)).toEqual(
      [],
    );
  });

  test.each([
    [
      "an up file",
      "CREATE INDEX CONCURRENTLY idx_users_name ON users (name);\nSELECT 1;",
      "SELECT 1;",
      "000002_change.up.sql",
    ],
    [
      "a down file",
      "SELECT 1;",
      "SELECT 1;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_name ON users (name);",
      "000002_change.down.sql",
    ],
    [
      "a contract step",
      `${CONTRACT_MARKER} x\nDROP INDEX IF EXISTS a;\nCREATE INDEX CONCURRENTLY b ON users (name);`,
      "SELECT 1;",
      "000002_change.up.sql",
    ],
  ])("rejects a statement that can't run in a transaction, not alone in %s", async (_, up, down, file) => {
    const issues = await lintPair(up, down);
    expect(issues).toEqual([
      {
        file,
        line: expect.any(Number),
        message: expect.stringMatching(
          /CREATE INDEX CONCURRENTLY can't run inside a transaction block.*alone in its own file/,
        ),
      },
    ]);
  });

  test("rejects an ordered index whose first column YSQL hash-shards", async () => {
    const issues = await lintPair("CREATE INDEX CONCURRENTLY idx_users_page ON users (email, id DESC);\n");
    expect(issues).toEqual([
      {
        file: "000002_change.up.sql",
        line: 1,
        message: expect.stringMatching(/email, the first column of this ordered index, has no ASC\/DESC.*hash-shards/),
      },
    ]);
  });

  test.each([
    ["a range first column", "CREATE INDEX CONCURRENTLY idx_users_page ON users (email ASC, id DESC);"],
    [
      "an explicit HASH (a deliberate point-lookup prefix)",
      "CREATE INDEX CONCURRENTLY idx_users_page ON users (email HASH, id DESC);",
    ],
    ["an unordered lookup index", "CREATE INDEX CONCURRENTLY idx_users_lookup ON users (email, name);"],
    ["a single hash column", "CREATE UNIQUE INDEX CONCURRENTLY idx_users_email ON users (lower(email));"],
  ])("accepts %s", async (_, sql) => {
    expect(await lintPair(`${sql}\n`)).toEqual([]);
  });

  test("leaves a hash-first index alone once a later migration drops it, and in a down file", async () => {
    const dir = await folder({
      ...BASE,
      "000002_page.up.sql": "CREATE INDEX CONCURRENTLY idx_users_page ON users (email, id DESC);\n",
      "000002_page.down.sql": "DROP INDEX IF EXISTS idx_users_page;\n",
      "000003_range.up.sql": "CREATE INDEX CONCURRENTLY idx_users_range ON users (email ASC, id DESC);\n",
      "000003_range.down.sql": "DROP INDEX IF EXISTS idx_users_range;\n",
      "000004_drop_page.up.sql": `${CONTRACT_MARKER} idx_users_range serves it\nDROP INDEX IF EXISTS idx_users_page;\n`,
      "000004_drop_page.down.sql":
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_page ON users (email, id DESC);\n",
    });
    expect(await lintMigrations(dir)).toEqual([]);
  });

  test("wants a reason for an ever-increasing time first in range order", async () => {
    const sql = "CREATE INDEX CONCURRENTLY idx_users_created ON users (created_at DESC, id DESC);\n";
    expect(await lintPair(sql)).toEqual([
      {
        file: "000002_change.up.sql",
        line: 1,
        message: expect.stringMatching(/created_at first in range order: every new row goes to the same tablet/),
      },
    ]);
    expect(await lintPair(`${HOT_RANGE_MARKER} the global newest-first page needs one order\n${sql}`)).toEqual([]);
  });

  test("versions may leave gaps, as golang-migrate allows, but start at 1", async () => {
    const gap = await folder({ ...BASE, "000003_skip.up.sql": "SELECT 1;", "000003_skip.down.sql": "SELECT 1;" });
    expect(await lintMigrations(gap)).toEqual([]);
    const zero = await folder({ ...BASE, "000000_zero.up.sql": "SELECT 1;", "000000_zero.down.sql": "SELECT 1;" });
    expect(await lintMigrations(zero)).toEqual([
      { file: "000000_zero.up.sql", line: 1, message: "versions start at 1, found 0" },
    ]);
  });

  test("each up has a down and each down an up", async () => {
    const dir = await folder({ ...BASE, "000002_a.up.sql": "SELECT 1;", "000003_b.down.sql": "SELECT 1;" });
    expect(await lintMigrations(dir)).toEqual([
      { file: "000002_a.up.sql", line: 1, message: expect.stringMatching(/no down file/) },
      { file: "000003_b.down.sql", line: 1, message: expect.stringMatching(/no up file/) },
    ]);
  });

  test("names and duplicate versions", async () => {
    const dir = await folder({
      ...BASE,
      "000001_other.up.sql": "SELECT 1;",
      "2_short.up.sql": "SELECT 1;",
      "2_short.down.sql": "SELECT 1;",
      "notes.sql": "SELECT 1;",
      "README.md": "not SQL, ignored",
    });
    const messages = (await lintMigrations(dir)).map((issue) => `${issue.file}: ${issue.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^000001_other\.up\.sql: version 1 is already taken by 000001_init\.(up|down)\.sql/),
      expect.stringMatching(/^2_short\.down\.sql: migration names use 6 digits/),
      expect.stringMatching(/^2_short\.up\.sql: migration names use 6 digits/),
      expect.stringMatching(/^notes\.sql: not a migration file name/),
    ]);
  });
});
