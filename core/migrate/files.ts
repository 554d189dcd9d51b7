import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export type LintIssue = { file: string; line: number; message: string };

export type MigrationFile = { file: string; sql: string };

export type Migration = {
  version: number;
  name: string;
  up?: MigrationFile;
  down?: MigrationFile;
};

export type MigrationSet = {
  /** Sorted by version. */
  migrations: Migration[];
  /** Problems with the set itself (names, pairs, sequence); lint reports them, the runner refuses them. */
  issues: LintIssue[];
};

// golang-migrate accepts any digits and any extension; this project pins 6 digits and .sql.
const NAME = /^([0-9]+)_(.+)\.(up|down)\.sql$/;
const PROJECT_NAME = /^[0-9]{6}_[a-z0-9_]+\.(up|down)\.sql$/;

/** Reads a golang-migrate folder. Files that are not .sql are ignored (README, .keep). */
export async function readMigrations(dir: string): Promise<MigrationSet> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const byVersion = new Map<number, Migration>();
  const issues: LintIssue[] = [];

  for (const file of names) {
    const match = NAME.exec(file);
    if (!match) {
      issues.push({
        file,
        line: 1,
        message: "not a migration file name: expected NNNNNN_name.up.sql or NNNNNN_name.down.sql",
      });
      continue;
    }
    if (!PROJECT_NAME.test(file)) {
      issues.push({
        file,
        line: 1,
        message: "migration names use 6 digits and lower-case snake_case: NNNNNN_name.up.sql",
      });
    }
    const version = Number(match[1]);
    const name = match[2] as string;
    const direction = match[3] as "up" | "down";
    const migration = byVersion.get(version) ?? { version, name };
    byVersion.set(version, migration);
    if (migration.name !== name || migration[direction]) {
      const taken = migration[direction]?.file ?? fileName(migration, direction === "up" ? "down" : "up");
      issues.push({ file, line: 1, message: `version ${version} is already taken by ${taken}` });
      continue;
    }
    migration[direction] = { file, sql: await readFile(join(dir, file), "utf8") };
  }

  const migrations = [...byVersion.values()].sort((a, b) => a.version - b.version);
  // Versions may skip numbers, as golang-migrate allows: branches take disjoint ranges.
  for (const migration of migrations) {
    const file = migration.up?.file ?? migration.down?.file ?? "";
    if (!migration.up)
      issues.push({ file, line: 1, message: `version ${migration.version} has a down file but no up file` });
    if (!migration.down)
      issues.push({ file, line: 1, message: `version ${migration.version} has no down file: every up needs one` });
    if (migration.version < 1)
      issues.push({ file, line: 1, message: `versions start at 1, found ${migration.version}` });
  }
  return { migrations, issues };
}

export function fileName(migration: Migration, direction: "up" | "down"): string {
  return (
    migration[direction]?.file ?? `${String(migration.version).padStart(6, "0")}_${migration.name}.${direction}.sql`
  );
}
