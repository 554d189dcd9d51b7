import { readdirSync } from "node:fs";
import pg from "pg";
import { defaultMigrationsDir } from "@voxguard/core/migrate";
import { describe, expect, it } from "vitest";
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
});
