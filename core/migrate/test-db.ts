// Test helpers for core/migrate: a catalog snapshot to compare schemas, and the repository's versions.
import type pg from "pg";

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
 * The versions of the repository's migration files, ascending. Tests derive counts and "the next
 * version" from them: versions may skip numbers and new files keep arriving.
 */
export async function repositoryVersions(): Promise<number[]> {
  const { readMigrations } = await import("./files.ts");
  const { defaultMigrationsDir } = await import("./index.ts");
  return (await readMigrations(defaultMigrationsDir)).migrations.map((migration) => migration.version);
}

/** A version's file name prefix: 6 digits. */
export function padVersion(version: number): string {
  return String(version).padStart(6, "0");
}
