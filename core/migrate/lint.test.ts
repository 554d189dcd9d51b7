import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { CONTRACT_MARKER, defaultMigrationsDir, lintMigrations } from "./index.ts";

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
  return lintMigrations(await folder({ ...BASE, "000002_change.up.sql": sql, "000002_change.down.sql": "SELECT 1;\n" }));
}

describe("lint", () => {
  test("passes the real migrations", async () => {
    expect(await lintMigrations(defaultMigrationsDir)).toEqual([]);
  });

  test.each([
    ["DROP TABLE", "DROP TABLE users;", /DROP TABLE is destructive/],
    ["DROP INDEX", "DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;", /DROP INDEX is destructive/],
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
    ["CREATE INDEX without CONCURRENTLY", "CREATE INDEX idx_users_name ON users (name);", /existing table users without CONCURRENTLY/],
    ["CREATE INDEX on a schema-qualified table", "CREATE UNIQUE INDEX ON public.users USING btree (email);", /existing table users/],
    ["CREATE INDEX CONCURRENTLY not alone", "CREATE INDEX CONCURRENTLY idx_users_name ON users (name);\nSELECT 1;", /alone in its file/],
  ])("rejects %s", async (_, sql, message) => {
    const issues = await lintSecond(`-- a comment first\n\n${sql}\n`);
    expect(issues).toEqual([{ file: "000002_change.up.sql", line: 3, message: expect.stringMatching(message) }]);
    expect(issues[0]?.message).toContain(CONTRACT_MARKER);
  });

  test("reports the line of each offending statement", async () => {
    const issues = await lintSecond("ALTER TABLE users ADD COLUMN a int;\n\nALTER TABLE users\n  ALTER COLUMN email\n  SET NOT NULL;\nDROP TABLE users;\n");
    expect(issues.map((issue) => issue.line)).toEqual([5, 6]);
  });

  test.each([
    ["a nullable column", "ALTER TABLE users ADD COLUMN age int;"],
    ["NOT NULL with a DEFAULT", "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;"],
    ["an added constraint", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"],
    ["DROP NOT NULL (it loosens)", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"],
    ["a lone CONCURRENTLY index", "-- why: lookups by name\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_name ON users (name);"],
    ["an index on a table created earlier in the file", 'CREATE TABLE IF NOT EXISTS "Teams" (id int);\nCREATE INDEX idx_teams ON "Teams" (id);'],
    ["keywords in comments and strings", "-- DROP TABLE users;\n/* ALTER TABLE users RENAME TO x; */\nINSERT INTO users (id, name) VALUES (1, 'DROP TABLE users; it''s fine');"],
    ["keywords in a dollar-quoted body", "DO $body$ BEGIN EXECUTE 'DROP TABLE users'; END $body$;"],
    ["a column whose name contains a keyword", "ALTER TABLE users ADD COLUMN rename_count int, ADD COLUMN dropped_at timestamptz;"],
  ])("accepts %s", async (_, sql) => {
    expect(await lintSecond(sql)).toEqual([]);
  });

  test("a contract step may be destructive", async () => {
    expect(await lintSecond(`${CONTRACT_MARKER} nothing reads users.name since release 42\nALTER TABLE users DROP COLUMN name;\n`)).toEqual([]);
  });

  test("the marker counts only on the first line", async () => {
    expect(await lintSecond(`-- note\n${CONTRACT_MARKER}\nDROP TABLE users;\n`)).toHaveLength(1);
  });

  test("down files are not linted", async () => {
    const dir = await folder({ ...BASE, "000001_init.down.sql": "DROP TABLE users;\nALTER TABLE x RENAME TO y;\n" });
    expect(await lintMigrations(dir)).toEqual([]);
  });

  test("versions may leave gaps, as golang-migrate allows, but start at 1", async () => {
    const gap = await folder({ ...BASE, "000003_skip.up.sql": "SELECT 1;", "000003_skip.down.sql": "SELECT 1;" });
    expect(await lintMigrations(gap)).toEqual([]);
    const zero = await folder({ ...BASE, "000000_zero.up.sql": "SELECT 1;", "000000_zero.down.sql": "SELECT 1;" });
    expect(await lintMigrations(zero)).toEqual([{ file: "000000_zero.up.sql", line: 1, message: expect.stringMatching(/start at 1, found 0/) }]);
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
