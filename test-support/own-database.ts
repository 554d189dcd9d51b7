import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import { createMigrator, defaultMigrationsDir } from "@voxguard/core/migrate";
import { createTempDatabase } from "../core/migrate/test-db.ts";

/**
 * Runs `fn` with DATABASE_URL on a database of its own, migrated, then puts the run's database back
 * and drops this one. For tests of jobs that work on a whole table (the audit index backlog): in
 * the run's shared database they would take other test files' rows.
 */
export async function withOwnDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const own = await createTempDatabase();
  const shared = process.env.DATABASE_URL;
  try {
    await createMigrator({ pool: own.pool(), dir: defaultMigrationsDir }).up();
    await closeDb();
    process.env.DATABASE_URL = own.url;
    reloadConfig();
    return await fn(own.url);
  } finally {
    await closeDb();
    process.env.DATABASE_URL = shared;
    reloadConfig();
    await own.drop();
  }
}
