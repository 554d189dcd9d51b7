// Test helpers for core/migrate: a throw-away database per test, and a catalog snapshot to compare schemas.
import { randomBytes } from "node:crypto";
import pg from "pg";

export type TempDatabase = { name: string; url: string; pool(): pg.Pool; drop(): Promise<void> };

function adminUrl(): string {
  // The server the rest of the tests use, but its maintenance database.
  const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
  url.pathname = "/postgres";
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTempDatabase(): Promise<TempDatabase> {
  const name = `migrate_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const pools: pg.Pool[] = [];
  return {
    name,
    url: url.toString(),
    pool() {
      const pool = new pg.Pool({ connectionString: url.toString(), max: 3 });
      // pool.end() resolves before every socket is closed; DROP ... WITH (FORCE) then terminates the
      // stragglers, and an error event nobody listens to would crash the test run.
      pool.on("error", () => {});
      pool.on("connect", (client) => client.on("error", () => {}));
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.map((pool) => pool.end()));
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The user-visible schema of public (bookkeeping tables left out), in a stable order. */
export async function snapshot(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const skip = `('migrations', 'migrations_locks')`;
  const query = async (sql: string) => (await pool.query(sql)).rows;
  return {
    relations: await query(`
      SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname NOT IN ${skip} AND c.relname NOT LIKE 'migrations%pkey'
      ORDER BY 1`),
    // Ordered by attnum without showing it: a dropped column leaves a gap, the order is what matters.
    columns: await query(`
      SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
             pg_get_expr(d.adbin, d.adrelid) AS default
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p') AND c.relname NOT IN ${skip}
        AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`),
    indexes: await query(`
      SELECT i.indexname, i.indexdef, x.indisvalid
      FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
      WHERE i.schemaname = 'public' AND i.tablename NOT IN ${skip}
      ORDER BY 1`),
    constraints: await query(`
      SELECT t.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) AS definition
      FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname NOT IN ${skip}
      ORDER BY 1, 2`),
    extensions: await query(`SELECT extname, extversion FROM pg_extension ORDER BY 1`),
    functions: await query(`
      SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1, 2`),
  };
}

/**
 * The repository's first ten migration files, copied into `dir`: a fixed set the failure and lock
 * tests number their extra files after (000011, …), whatever later files the repository gains.
 */
export async function copyBaseMigrations(dir: string): Promise<void> {
  const { copyFile, readdir } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { defaultMigrationsDir } = await import("./index.ts");
  for (const name of await readdir(defaultMigrationsDir)) {
    const version = Number(/^(\d{6})_/.exec(name)?.[1]);
    if (version >= 1 && version <= 10) await copyFile(join(defaultMigrationsDir, name), join(dir, name));
  }
}
