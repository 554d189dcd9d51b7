import { readdirSync } from "node:fs";
import pg from "pg";
import { log } from "@voxguard/core/log";
import { createMigrator, defaultMigrationsDir } from "@voxguard/core/migrate";
import { describe, expect, it, vi } from "vitest";
import { repositoryVersions } from "../../core/migrate/test-db.ts";
import { withOwnDatabase } from "../../test-support/throwaway-database.ts";
import { handler } from "./migrate.ts";

describe("the deploy-time migrator", () => {
  it("brings the database to the newest migration and is a no-op the second time", async () => {
    const first = await handler({ command: "up" });
    expect(first.applied).toEqual([]);
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query("SELECT version, dirty FROM migrations");
    await client.end();
    const latest = Math.max(...readdirSync(defaultMigrationsDir).map((file) => Number(file.slice(0, 6))));
    expect(rows).toEqual([{ version: latest, dirty: false }]);
  });

  it("refuses an unknown command", async () => {
    await expect(handler({ command: "down" })).rejects.toThrow();
  });

  it("succeeds without running anything when the database is ahead of its files (a code rollback); dirty still fails", async () => {
    const lines: string[] = [];
    const info = vi.spyOn(log, "info").mockImplementation((...args: unknown[]) => void lines.push(String(args[0])));
    try {
      await withOwnDatabase(
        async (own) => {
          const pool = own.pool();
          const migrator = createMigrator({ pool, dir: defaultMigrationsDir });
          await migrator.up();
          const last = (await repositoryVersions()).at(-1)!;
          await migrator.force(last + 1);

          expect(await handler({ command: "up" })).toEqual({ applied: [] });
          expect(lines).toContain(
            `database is at version ${last + 1}, ahead of the newest file (${last}): nothing to apply`,
          );
          expect((await pool.query("SELECT version, dirty FROM migrations")).rows).toEqual([
            { version: last + 1, dirty: false },
          ]);

          await pool.query("UPDATE migrations SET dirty = true");
          await expect(handler({ command: "up" })).rejects.toThrow(`Dirty database version ${last + 1}`);
        },
        { migrate: false },
      );
    } finally {
      info.mockRestore();
    }
  });
});
