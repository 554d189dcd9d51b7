import { fileURLToPath } from "node:url";
import type { Pool } from "pg";
import { createMigrator } from "./migrator.ts";

export { createMigrator, MigrationError } from "./migrator.ts";
export type { Migrator, MigratorOptions, MigrationStatus } from "./migrator.ts";
export type { LintIssue } from "./files.ts";
export { CONTRACT_MARKER, HOT_RANGE_MARKER, lintMigrations, lintUpSql } from "./lint.ts";
export { lockId, MigrationLockedError } from "./lock.ts";

/** The repository's migrations/ folder, seen from this file (a bundle passes its own copy instead). */
export const defaultMigrationsDir: string = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** What the deploy-time migrator function calls: everything pending, or throw with the cause. */
export async function migrateUp(
  pool: Pool,
  dir: string = defaultMigrationsDir,
  log?: (line: string) => void,
): Promise<number[]> {
  return createMigrator({ pool, dir, log }).up();
}
