import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test, vi } from "vitest";
import { repositoryVersions } from "./test-db.ts";
import { useScratch } from "./test-scratch.ts";
import { createThrowawayDatabase } from "../../test-support/throwaway-database.ts";

// Real databases (CREATE DATABASE per test) and child processes: slow on a loaded machine, never a timing assertion.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const root = fileURLToPath(new URL("../../", import.meta.url));

type Result = { code: number; stdout: string; stderr: string };

/** Runs `npm run migrate -- ...args` the way npm does (tsx core/migrate/cli.ts), with exactly this env. */
function cli(args: string[], env: Record<string, string>): Promise<Result> {
  const { DATABASE_URL: _, MIGRATIONS_DIR: __, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      join(root, "node_modules/.bin/tsx"),
      ["core/migrate/cli.ts", ...args],
      { cwd: root, env: { ...inherited, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run migrate", () => {
  const scratch = useScratch("migrate-cli-", "block");

  test("lint needs no database and passes the real files", async () => {
    expect(await cli(["lint"], {})).toMatchObject({ code: 0, stdout: "migrations ok\n" });
  });

  test("lint prints file:line: message and fails", async () => {
    await writeFile(join(scratch.dir, "000001_init.up.sql"), "-- start\nDROP TABLE users;\n");
    await writeFile(join(scratch.dir, "000001_init.down.sql"), "SELECT 1;\n");
    const result = await cli(["lint"], { MIGRATIONS_DIR: scratch.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/000001_init\.up\.sql:2: DROP TABLE is destructive/);
  });

  test("database commands require DATABASE_URL, in one line", async () => {
    const result = await cli(["status"], {});
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^migrate status: DATABASE_URL is not set/),
    ]);
  });

  test("unknown commands print the usage, which says down defaults to 1", async () => {
    const result = await cli(["sideways"], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/down \[N\|all\].*1 when N is omitted/s);
  });

  test("up, down (one by default), status, force; a failure exits non-zero with the cause", async () => {
    const env = { DATABASE_URL: scratch.db.url };
    expect((await cli(["up", "3"], env)).code).toBe(0);
    expect(await cli(["down"], env)).toMatchObject({ code: 0 });
    const versions = await repositoryVersions();
    expect((await cli(["status"], env)).stdout).toBe(
      `version 2, latest ${versions.at(-1)}, pending: ${versions.slice(2).join(", ")}\n`,
    );
    expect((await cli(["force", "-1"], env)).code).toBe(0);
    expect((await cli(["status"], env)).stdout).toMatch(/^version none,/);

    // Version none, yet the tables exist: the first up fails on its CREATE TABLE.
    const failed = await cli(["up"], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^migrate failed: 000001_init\.up\.sql failed: relation "users" already exists/m);
    expect((await cli(["down", "zero"], env)).stderr).toMatch(/positive whole number/);
  });

  test("up on a database one version ahead of the files exits 0 and says so; dirty still fails", async () => {
    const own = await createThrowawayDatabase({ prefix: "migrate_test", migrate: false });
    try {
      const env = { DATABASE_URL: own.url };
      const last = (await repositoryVersions()).at(-1)!;
      expect((await cli(["up"], env)).code).toBe(0);
      // What the next release's migrator leaves behind when this checkout is the rollback target.
      expect((await cli(["force", String(last + 1)], env)).code).toBe(0);

      const up = await cli(["up"], env);
      expect(up).toMatchObject({ code: 0, stderr: "" });
      expect(up.stdout).toContain(
        `database is at version ${last + 1}, ahead of the newest file (${last}): nothing to apply`,
      );
      expect((await cli(["status"], env)).stdout).toBe(
        `version ${last + 1}, latest ${last}, pending: none (the database is ahead of these files)\n`,
      );

      await own.pool().query("UPDATE migrations SET dirty = true");
      const dirty = await cli(["up"], env);
      expect(dirty.code).toBe(1);
      expect(dirty.stderr).toMatch(`migrate failed: Dirty database version ${last + 1}`);
    } finally {
      await own.drop();
    }
  });
});
