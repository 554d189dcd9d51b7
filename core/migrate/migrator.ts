import type { Pool } from "pg";
import { fileName, readMigrations } from "./files.ts";
import type { LintIssue, Migration } from "./files.ts";
import { lintMigrations } from "./lint.ts";
import { acquireLock, defaultLockName } from "./lock.ts";
import { ensureTable, readVersion, VERSION_TABLE, writeVersion } from "./state.ts";
import type { DatabaseVersion } from "./state.ts";

export type MigratorOptions = {
  pool: Pool;
  /** Folder of golang-migrate files (NNNNNN_name.up.sql / .down.sql). */
  dir: string;
  log?: (line: string) => void;
  /** What golang-migrate hashes into the lock id; default "/" + current_database(), see lock.ts. */
  lockName?: string;
};

export type MigrationStatus = DatabaseVersion & {
  latest: number | null;
  pending: number[];
  /** The database was migrated past the newest file (by newer code); `up` does nothing then. */
  ahead: boolean;
};

export type Migrator = {
  /** Applies the next n pending migrations (all when n is omitted); returns the versions applied. */
  up(n?: number): Promise<number[]>;
  /** Reverts the last n applied migrations (1 when omitted); returns the versions reverted. */
  down(n?: number | "all"): Promise<number[]>;
  status(): Promise<MigrationStatus>;
  /** Sets the version (null or -1: none) and clears dirty without running anything, like `migrate force`. */
  force(version: number | null): Promise<void>;
  /** Checks the files only; no database involved. */
  lint(): Promise<LintIssue[]>;
};

export class MigrationError extends Error {
  override name = "MigrationError";
}

export function createMigrator(options: MigratorOptions): Migrator {
  const { pool, dir } = options;
  const log = options.log ?? (() => {});

  async function load(): Promise<Migration[]> {
    const { migrations, issues } = await readMigrations(dir);
    const first = issues[0];
    if (first) throw new MigrationError(`${first.file}: ${first.message} (run: npm run migrate -- lint)`);
    return migrations;
  }

  /** Lock, then the version table under the lock (the driver's order), then fn; always unlock. */
  async function locked<T>(fn: () => Promise<T>): Promise<T> {
    const release = await acquireLock(pool, options.lockName ?? (await defaultLockName(pool)));
    let result: T;
    try {
      await ensureTable(pool, VERSION_TABLE);
      result = await fn();
    } catch (error) {
      // The migration's error is the one worth reporting; a failed release only gets a log line.
      await release().catch((releaseError: unknown) =>
        log(`could not release the migration lock: ${String(releaseError)}`),
      );
      throw error;
    }
    await release();
    return result;
  }

  /**
   * The current version, refusing a dirty one and one that falls between the files. A version
   * above the newest file is a database migrated by newer code: `up` has nothing to do there (the
   * older code runs on the newer schema by construction), every other command refuses it.
   */
  async function cleanVersion(migrations: Migration[]): Promise<{ version: number | null; ahead: boolean }> {
    const { version, dirty } = await readVersion(pool);
    if (dirty) {
      throw new MigrationError(
        `Dirty database version ${version ?? -1}. Fix and force version (npm run migrate -- force V).`,
      );
    }
    if (version !== null && !migrations.some((m) => m.version === version)) {
      const latest = migrations.at(-1)?.version;
      if (latest === undefined || version > latest) return { version, ahead: true };
      throw new MigrationError(`database is at version ${version}, which no file in ${dir} has`);
    }
    return { version, ahead: false };
  }

  async function run(migration: Migration, direction: "up" | "down"): Promise<void> {
    const sql = migration[direction]?.sql;
    if (sql === undefined) throw new MigrationError(`${fileName(migration, direction)} is missing`);
    // One simple-protocol query for the whole file, as the Go driver's Exec does: several
    // statements share an implicit transaction, a lone CREATE INDEX CONCURRENTLY runs outside one.
    if (sql.trim()) await pool.query(sql);
  }

  async function up(n?: number): Promise<number[]> {
    checkCount(n);
    const migrations = await load();
    return locked(async () => {
      const state = await cleanVersion(migrations);
      if (state.ahead) {
        // golang-migrate's up fails here ("no migration found for version N"); a rollback of the
        // code must not, or the previous commit could never be deployed again.
        log(
          `database is at version ${state.version}, ahead of the newest file (${migrations.at(-1)?.version ?? "none"}): nothing to apply`,
        );
        return [];
      }
      let current = state.version;
      const pending = migrations.filter((m) => m.version > (current ?? -1)).slice(0, n);
      for (const migration of pending) {
        const file = fileName(migration, "up");
        log(`applying ${file}`);
        await writeVersion(pool, migration.version, true);
        try {
          await run(migration, "up");
        } catch (error) {
          throw await rollBack(migration, current, error);
        }
        await writeVersion(pool, migration.version, false);
        current = migration.version;
      }
      log(pending.length ? `at version ${current}` : "no change");
      return pending.map((m) => m.version);
    });
  }

  /**
   * A failed up runs its own down (its statements use IF EXISTS, so a partial up is undone) and
   * puts back the previous version, clean. If that down fails too the schema is in an unknown
   * state: the version stays dirty so nothing migrates on top until someone looks.
   */
  async function rollBack(migration: Migration, previous: number | null, cause: unknown): Promise<MigrationError> {
    const file = fileName(migration, "up");
    const reason = describe(cause, migration.up?.sql ?? "");
    log(`${file} failed: ${reason}; running ${fileName(migration, "down")}`);
    try {
      await run(migration, "down");
    } catch (downError) {
      return new MigrationError(
        `${file} failed: ${reason}. Its rollback ${fileName(migration, "down")} failed too: ` +
          `${describe(downError, migration.down?.sql ?? "")}. Left dirty at version ${migration.version}: fix by hand, then force.`,
        { cause },
      );
    }
    await writeVersion(pool, previous, false);
    return new MigrationError(`${file} failed: ${reason}. Rolled back to version ${previous ?? "none"}.`, { cause });
  }

  async function down(n: number | "all" = 1): Promise<number[]> {
    if (n !== "all") checkCount(n);
    const migrations = await load();
    return locked(async () => {
      const state = await cleanVersion(migrations);
      if (state.ahead) {
        throw new MigrationError(
          `database is at version ${state.version}, ahead of the newest file in ${dir}: down needs the files that applied it`,
        );
      }
      const current = state.version;
      const applied = migrations.filter((m) => m.version <= (current ?? -1)).reverse();
      const reverting = n === "all" ? applied : applied.slice(0, n);
      for (const [i, migration] of reverting.entries()) {
        const target = applied[i + 1]?.version ?? null;
        const file = fileName(migration, "down");
        log(`reverting ${file}`);
        // golang-migrate marks the target version dirty while a down runs, and leaves it so on failure.
        await writeVersion(pool, target, true);
        try {
          await run(migration, "down");
        } catch (error) {
          throw new MigrationError(
            `${file} failed: ${describe(error, migration.down?.sql ?? "")}. Left dirty at version ${target ?? -1}.`,
            {
              cause: error,
            },
          );
        }
        await writeVersion(pool, target, false);
      }
      log(reverting.length ? `at version ${applied[reverting.length]?.version ?? "none"}` : "no change");
      return reverting.map((m) => m.version);
    });
  }

  async function status(): Promise<MigrationStatus> {
    const { migrations } = await readMigrations(dir);
    const state = await readVersion(pool);
    return {
      ...state,
      latest: migrations.at(-1)?.version ?? null,
      pending: migrations.filter((m) => m.version > (state.version ?? -1)).map((m) => m.version),
      ahead: state.version !== null && state.version > (migrations.at(-1)?.version ?? -1),
    };
  }

  async function force(version: number | null): Promise<void> {
    if (version !== null && (!Number.isInteger(version) || version < -1)) {
      throw new MigrationError(`force needs a version >= -1, got ${version}`);
    }
    await locked(() => writeVersion(pool, version === -1 ? null : version, false));
    log(`forced version ${version ?? "none"}, clean`);
  }

  function lint(): Promise<LintIssue[]> {
    return lintMigrations(dir);
  }

  return { up, down, status, force, lint };
}

function checkCount(n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 1))
    throw new MigrationError(`expected a positive whole number of migrations, got ${n}`);
}

/** The database's message with its SQLSTATE and, when it reports a position, the line in the file. */
function describe(error: unknown, sql: string): string {
  if (!(error instanceof Error)) return String(error);
  const { code, position } = error as Error & { code?: string; position?: string };
  const details = [code, position ? `line ${sql.slice(0, Number(position) - 1).split("\n").length}` : undefined].filter(
    Boolean,
  );
  return details.length ? `${error.message} (${details.join(", ")})` : error.message;
}
