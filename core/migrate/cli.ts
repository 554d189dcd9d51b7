import { join, relative } from "node:path";
import pg from "pg";
import { linkedVariables } from "../config/index.ts";
import { createMigrator, defaultMigrationsDir, lintMigrations } from "./index.ts";

const USAGE = `usage: npm run migrate -- <command>
  up [N]        apply the next N pending migrations (all when N is omitted)
  down [N|all]  revert the last N migrations; 1 when N is omitted
                (golang-migrate's down reverts ALL by default; this one does not)
  status        version, dirty flag and pending migrations
  force V       set the version (-1 = none) and clear dirty, running nothing
  lint          check the migration files (no database needed)
env: DATABASE_URL (required except for lint), MIGRATIONS_DIR (default: the repository's migrations/)`;

// An unreachable database (wrong subnet, closed security group) fails in seconds, not at the TCP timeout.
const CONNECT_TIMEOUT_MS = 10_000;

async function main(args: string[]): Promise<number> {
  const [command, arg, extra] = args;
  const dir = process.env.MIGRATIONS_DIR ?? defaultMigrationsDir;
  if (!command || extra !== undefined || !["up", "down", "status", "force", "lint"].includes(command)) {
    console.error(USAGE);
    return 1;
  }
  if (command === "lint") {
    const issues = await lintMigrations(dir);
    for (const issue of issues)
      console.error(`${relative(process.cwd(), join(dir, issue.file))}:${issue.line}: ${issue.message}`);
    console.log(issues.length ? `${issues.length} problem(s)` : "migrations ok");
    return issues.length ? 1 : 0;
  }

  // Under `sst shell` the stage's linked DatabaseUrl secret serves when no DATABASE_URL is set.
  const url = process.env.DATABASE_URL ?? linkedVariables(process.env).DATABASE_URL;
  if (!url) {
    console.error(`migrate ${command}: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://user@host:5432/voxguard)`);
    return 1;
  }
  const count = (value: string | undefined, fallback: number | undefined): number | undefined => {
    if (value === undefined) return fallback;
    if (!/^[0-9]+$/.test(value) || Number(value) < 1)
      throw new Error(`expected a positive whole number, got "${value}"`);
    return Number(value);
  };

  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  const migrator = createMigrator({ pool, dir, log: (line) => console.log(line) });
  try {
    if (command === "up") await migrator.up(count(arg, undefined));
    else if (command === "down") await migrator.down(arg === "all" ? "all" : count(arg, 1));
    else if (command === "force") {
      if (arg === undefined || !/^-?[0-9]+$/.test(arg))
        throw new Error(`force needs a version, e.g. force 3 (or -1 for none)`);
      await migrator.force(Number(arg));
    } else {
      const s = await migrator.status();
      console.log(
        `version ${s.version ?? "none"}${s.dirty ? " (DIRTY)" : ""}, latest ${s.latest ?? "none"}, ` +
          `pending: ${s.pending.length ? s.pending.join(", ") : "none"}${s.ahead ? " (the database is ahead of these files)" : ""}`,
      );
    }
    return 0;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
