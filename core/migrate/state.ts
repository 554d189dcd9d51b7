import { setTimeout as sleep } from "node:timers/promises";
import type { Pool, PoolClient } from "pg";

/**
 * The bookkeeping golang-migrate's yugabytedb driver keeps, reproduced table for table so an
 * operator can run either tool against the same database: one row `(version, dirty)` in
 * "migrations" (no row = nothing applied, version -1 = none but dirty), and one row a held lock in
 * "migrations_locks". Both live in current_schema().
 */
export const VERSION_TABLE = "migrations";
export const LOCK_TABLE = "migrations_locks";

export type DatabaseVersion = { version: number | null; dirty: boolean };

const NIL_VERSION = -1;
// The driver's retryable set: serialization failure, deadlock, connection failure, internal error (HA).
const RETRYABLE = new Set(["40001", "40P01", "08006", "XX000"]);
const MAX_ATTEMPTS = 10;

export function pgCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** The driver creates both tables on open when missing; IF NOT EXISTS plus a race guard does the same. */
export async function ensureTable(pool: Pool, table: string): Promise<void> {
  const columns =
    table === LOCK_TABLE
      ? "lock_id TEXT NOT NULL PRIMARY KEY"
      : "version INT NOT NULL PRIMARY KEY, dirty BOOL NOT NULL";
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS "${table}" (${columns})`);
  } catch (error) {
    // Two runners creating it at once: PostgreSQL reports the loser as a duplicate type or table.
    if (pgCode(error) !== "23505" && pgCode(error) !== "42P07") throw error;
  }
}

export async function readVersion(pool: Pool): Promise<DatabaseVersion> {
  try {
    const { rows } = await pool.query<{ version: number; dirty: boolean }>(
      `SELECT version, dirty FROM "${VERSION_TABLE}" LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return { version: null, dirty: false };
    return { version: row.version === NIL_VERSION ? null : row.version, dirty: row.dirty };
  } catch (error) {
    if (pgCode(error) === "42P01") return { version: null, dirty: false };
    throw error;
  }
}

/** Like the driver's SetVersion: replace the one row in a serializable transaction. */
export async function writeVersion(pool: Pool, version: number | null, dirty: boolean): Promise<void> {
  await serializable(pool, async (client) => {
    await client.query(`DELETE FROM "${VERSION_TABLE}"`);
    // A nil version is no row, unless dirty: then -1 records that the last down of all failed.
    if (version !== null || dirty) {
      await client.query(`INSERT INTO "${VERSION_TABLE}" (version, dirty) VALUES ($1, $2)`, [
        version ?? NIL_VERSION,
        dirty,
      ]);
    }
  });
}

/** Runs fn in a SERIALIZABLE transaction, retrying the errors the driver retries. */
export async function serializable<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => (broken = rollbackError));
      if (!RETRYABLE.has(pgCode(error) ?? "") || attempt >= MAX_ATTEMPTS) throw error;
    } finally {
      client.release(broken);
    }
    await sleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random()));
  }
}
