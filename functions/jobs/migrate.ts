import path from "node:path";
import pg from "pg";
import * as z from "@voxguard/core/zod";
import { config } from "@voxguard/core/config";
import { log } from "@voxguard/core/log";
import { defaultMigrationsDir, migrateUp } from "@voxguard/core/migrate";

const Command = z.object({ command: z.literal("up") });
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Invoked by every deploy before the API changes (infra/database.ts). Throwing fails the
 * invocation and with it the deploy, so new code never runs on an old schema. Its own pool: no
 * statement timeout, since CREATE INDEX CONCURRENTLY on a large table may take minutes. A database
 * already past the bundled files (this deploy rolls the code back) is success: nothing runs.
 */
export async function handler(event: unknown): Promise<{ applied: number[] }> {
  Command.parse(event ?? { command: "up" });
  const dir = process.env.LAMBDA_TASK_ROOT
    ? path.join(process.env.LAMBDA_TASK_ROOT, "migrations")
    : defaultMigrationsDir;
  // A connect timeout: an unreachable database fails the deploy in seconds instead of holding it
  // for the function's 15 minutes.
  const pool = new pg.Pool({
    connectionString: config().databaseUrl,
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    const applied = await migrateUp(pool, dir, (line) => log.info(line));
    log.info("migrations applied", { applied });
    return { applied };
  } finally {
    await pool.end();
  }
}
