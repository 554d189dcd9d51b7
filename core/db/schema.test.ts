import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import ts from "typescript";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMigrator, defaultMigrationsDir, MigrationError } from "../migrate/index.ts";
import { repositoryVersions } from "../migrate/test-db.ts";
import { createThrowawayDatabase, type ThrowawayDatabase, urlOf } from "../../test-support/throwaway-database.ts";
import { closeDb, db } from "./index.ts";

afterAll(() => closeDb());

const SCHEMA_FILE = path.resolve(import.meta.dirname, "schema.ts");

/** "table.column" → whether it may be NULL. */
type Nullability = Record<string, boolean>;

/**
 * What schema.ts says, read by the TypeScript checker: for every table of `Database`, each column's
 * select type (the first argument of kysely's ColumnType, the type itself otherwise) and whether
 * null is part of it. The types themselves, not a copy of them, so an edit to schema.ts shows here.
 */
function declared(): Nullability {
  const program = ts.createProgram([SCHEMA_FILE], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(SCHEMA_FILE);
  const module = source && checker.getSymbolAtLocation(source);
  const database = module && checker.getExportsOfModule(module).find((symbol) => symbol.name === "Database");
  if (!database) throw new Error(`no Database interface in ${SCHEMA_FILE}`);
  const result: Nullability = {};
  for (const table of checker.getDeclaredTypeOfSymbol(database).getProperties()) {
    for (const column of checker.getTypeOfSymbol(table).getProperties()) {
      const type = checker.getTypeOfSymbol(column);
      const selected = type.getProperty("__select__");
      const select = selected ? checker.getTypeOfSymbol(selected) : type;
      const parts = select.isUnion() ? select.types : [select];
      result[`${table.name}.${column.name}`] = parts.some((part) => (part.flags & ts.TypeFlags.Null) !== 0);
    }
  }
  return result;
}

/** What the database says: information_schema.columns of the tables the application owns. */
async function catalog(): Promise<Nullability> {
  const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: "YES" | "NO" }>`
    SELECT table_name, column_name, is_nullable FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name NOT IN ('migrations', 'migrations_locks')
  `.execute(db());
  return Object.fromEntries(rows.map((row) => [`${row.table_name}.${row.column_name}`, row.is_nullable === "YES"]));
}

describe("core/db/schema.ts against the migrated database", () => {
  it("names every table and column the migrations create, each NULL-able exactly when the database allows NULL", async () => {
    const types = declared();
    // A reading that found nothing would agree with nothing; these are known to exist.
    expect(types["users.email"]).toBe(false);
    expect(types["users.password_hash"]).toBe(true);
    expect(sortKeys(types)).toEqual(sortKeys(await catalog()));
  });
});

const sortKeys = (value: Nullability) =>
  Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));

describe("the NOT NULL migrations (000045 fills, 000046 enforces)", () => {
  const FILL = 45;
  let temp: ThrowawayDatabase;
  let pool: pg.Pool;
  beforeEach(async () => {
    temp = await createThrowawayDatabase({
      adminUrl: urlOf(process.env.DATABASE_URL!, "postgres"),
      prefix: "not_null_test",
      migrate: false,
    });
    pool = new pg.Pool({ connectionString: temp.url, max: 2 });
  });
  afterEach(async () => {
    await pool.end();
    await temp.drop();
  });

  /** A database at the version before the fill, and the migrator to go on with. */
  async function beforeFill() {
    const migrator = createMigrator({ pool, dir: defaultMigrationsDir });
    await migrator.up((await repositoryVersions()).filter((version) => version < FILL).length);
    return { pool, migrator };
  }

  it("fills the NULLs the seed schema allowed with what the code read in their place, drops orphans, then enforces", async () => {
    const { pool, migrator } = await beforeFill();
    const {
      rows: [user],
    } = await pool.query(
      `INSERT INTO users (email, display_name, status, role, created_at, updated_at) VALUES ('null@example.test', 'Null', NULL, NULL, NULL, '2026-01-02T00:00:00Z') RETURNING id`,
    );
    const {
      rows: [org],
    } = await pool.query(
      `INSERT INTO organizations (name, slug, plan, status, metadata, created_at, updated_at) VALUES ('Null', 'null', NULL, NULL, NULL, '2026-01-03T00:00:00Z', NULL) RETURNING id`,
    );
    await pool.query(
      `INSERT INTO resources (org_id, type, name, config, status) VALUES ($1, 'voice.line', 'Kept', NULL, NULL), (NULL, 'voice.line', 'Orphan', '{}', 'active')`,
      [org.id],
    );
    await pool.query(
      `INSERT INTO user_sessions (user_id, token_hash, expires_at, created_at, last_used_at) VALUES ($1, 'kept', now() + interval '1 hour', NULL, NULL), (NULL, 'orphan', now() + interval '1 hour', now(), now())`,
      [user.id],
    );
    await pool.query(`INSERT INTO audit_log (action, details, created_at) VALUES ('null.event', NULL, NULL)`);

    await migrator.up();

    const one = async (query: string) => (await pool.query(query)).rows;
    expect(
      await one(
        `SELECT status, role, created_at = '2026-01-02T00:00:00Z' AS from_updated, updated_at = created_at AS same FROM users`,
      ),
    ).toEqual([{ status: "active", role: "user", from_updated: true, same: true }]);
    expect(
      await one(
        `SELECT plan, status, metadata, updated_at = '2026-01-03T00:00:00Z' AS from_created FROM organizations`,
      ),
    ).toEqual([{ plan: "free", status: "active", metadata: {}, from_created: true }]);
    expect(await one(`SELECT name, config, status FROM resources`)).toEqual([
      { name: "Kept", config: {}, status: "active" },
    ]);
    expect(
      await one(
        `SELECT token_hash, created_at IS NOT NULL AS created, last_used_at = created_at AS used FROM user_sessions`,
      ),
    ).toEqual([{ token_hash: "kept", created: true, used: true }]);
    expect(await one(`SELECT details, created_at IS NOT NULL AS created FROM audit_log`)).toEqual([
      { details: {}, created: true },
    ]);
    await expect(pool.query(`UPDATE users SET status = NULL`)).rejects.toThrow(/null value in column "status"/);
  });

  it("leaves a sealed event as it is: one stored with NULL details stops the enforcing step, which rolls back clean", async () => {
    const { pool, migrator } = await beforeFill();
    const {
      rows: [sealed],
    } = await pool.query(
      `INSERT INTO audit_log (action, details, created_at) VALUES ('sealed.event', NULL, now()) RETURNING id`,
    );
    await pool.query(`INSERT INTO audit_seal_events (event_id, seq) VALUES ($1, 1)`, [sealed.id]);

    await expect(migrator.up()).rejects.toThrow(MigrationError);

    expect(await migrator.status()).toMatchObject({ version: FILL, dirty: false });
    expect((await pool.query(`SELECT details FROM audit_log`)).rows).toEqual([{ details: null }]);
  });
});
