import path from "node:path";
import pg from "pg";
import * as z from "@voxguard/core/zod";
import { config } from "@voxguard/core/config";
import { log } from "@voxguard/core/log";
import { defaultMigrationsDir, migrateUp } from "@voxguard/core/migrate";

const Command = z.object({ command: z.literal("up") });

/**
 * Invoked by every deploy before the API changes (infra/database.ts). Throwing fails the
 * invocation and with it the deploy, so new code never runs on an old schema. Its own pool: no
 * statement timeout, since CREATE INDEX CONCURRENTLY on a large table may take minutes.
 */
export async function handler(event: unknown): Promise<{ applied: number[] }> {
  Command.parse(event ?? { command: "up" });
  const dir = process.env.LAMBDA_TASK_ROOT ? path.join(process.env.LAMBDA_TASK_ROOT, "migrations") : defaultMigrationsDir;
  const pool = new pg.Pool({ connectionString: config().databaseUrl, max: 1 });
  try {
    const applied = await migrateUp(pool, dir, (line) => log.info(line));
    log.info("migrations applied", { applied });
    return { applied };
  } finally {
    await pool.end();
  }
}
