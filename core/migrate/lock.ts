import { crc32 } from "node:zlib";
import type { Pool } from "pg";
import { ensureTable, LOCK_TABLE, pgCode, serializable } from "./state.ts";

// The salt golang-migrate's GenerateAdvisoryLockId multiplies the CRC by.
const LOCK_ID_SALT = 1486364155;

/**
 * golang-migrate's GenerateAdvisoryLockId(name) with no additional names, as the yugabytedb driver
 * calls it: CRC-32 (IEEE) of the name times the salt, wrapped to uint32, printed in decimal.
 */
export function lockId(databaseName: string): string {
  return String(Math.imul(crc32(databaseName), LOCK_ID_SALT) >>> 0);
}

/**
 * The name the Go driver hashes. Its Open() passes the URL path (`yugabytedb://host/voxguard` →
 * "/voxguard", slash included); only a Go program using WithInstance without a name gets
 * current_database() bare. The migrate CLI is what operators run, so match the URL form.
 */
export async function defaultLockName(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ name: string }>("SELECT current_database() AS name");
  return `/${rows[0]?.name ?? ""}`;
}

export class MigrationLockedError extends Error {
  override name = "MigrationLockedError";
}

/**
 * Takes the lock as the driver does: in a serializable transaction, fail if the row exists, else
 * insert it. A concurrent taker loses with a serialization failure (retried, then sees the row) or
 * a unique violation; either way it fails at once instead of waiting.
 */
export async function acquireLock(pool: Pool, databaseName: string): Promise<() => Promise<void>> {
  const id = lockId(databaseName);
  const locked = () =>
    new MigrationLockedError(
      `migrations are locked: another runner holds ${LOCK_TABLE}.lock_id '${id}'. ` +
        `If none is running, one crashed: DELETE FROM ${LOCK_TABLE} WHERE lock_id = '${id}'`,
    );
  await ensureTable(pool, LOCK_TABLE);
  await serializable(pool, async (client) => {
    const held = await client.query(`SELECT lock_id FROM ${LOCK_TABLE} WHERE lock_id = $1`, [id]);
    if (held.rowCount) throw locked();
    try {
      await client.query(`INSERT INTO ${LOCK_TABLE} (lock_id) VALUES ($1)`, [id]);
    } catch (error) {
      if (pgCode(error) === "23505") throw locked();
      throw error;
    }
  });
  return async () => {
    try {
      await pool.query(`DELETE FROM ${LOCK_TABLE} WHERE lock_id = $1`, [id]);
    } catch (error) {
      // As in the driver: a dropped lock table is an unlocked state.
      if (pgCode(error) !== "42P01") throw error;
    }
  };
}
