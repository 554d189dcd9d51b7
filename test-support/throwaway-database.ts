import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { createMigrator } from "@voxguard/core/migrate";

/**
 * The isolation every database the tests, benches and `npm run load` create runs with by default.
 * YSQL runs a transaction that asks for READ COMMITTED as REPEATABLE READ (snapshot isolation)
 * unless the cluster sets the `yb_enable_read_committed_isolation` flag (docs.yugabyte.com,
 * explore/transactions/isolation-levels), so REPEATABLE READ is
 * what production answers with; PostgreSQL's own default would hide every race that a snapshot
 * taken before a lock wait makes possible.
 */
export const PRODUCTION_ISOLATION = "repeatable read";

export type Isolation = "read committed" | "repeatable read";

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** A pool on the database (a few connections), ended by `drop`. */
  pool(): pg.Pool;
  drop(): Promise<void>;
}

export interface ThrowawayOptions {
  /** A server's maintenance database URL (user with CREATEDB); default: the one of DATABASE_URL's server. */
  adminUrl?: string;
  /** Prefix of the database name; a random suffix keeps parallel runs apart. */
  prefix: string;
  isolation?: Isolation;
  /** Applies every migration in `migrations/` (default true). */
  migrate?: boolean;
}

const MIGRATIONS = path.resolve(import.meta.dirname, "../migrations");

async function onAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A URL of `adminUrl`'s server, for database `name`. */
export function urlOf(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface DatabaseOptions {
  adminUrl: string;
  name: string;
  isolation?: Isolation;
  /** Applies every migration in `migrations/` (default true). */
  migrate?: boolean;
}

/**
 * Creates (and migrates) database `name` with the default isolation set on the database itself,
 * so every connection and every transaction that does not choose gets it, as on YSQL. Returns
 * its URL.
 */
export async function createDatabase(options: DatabaseOptions): Promise<string> {
  const isolation = options.isolation ?? PRODUCTION_ISOLATION;
  await onAdmin(options.adminUrl, async (client) => {
    await client.query(`CREATE DATABASE ${options.name}`);
    await client.query(`ALTER DATABASE ${options.name} SET default_transaction_isolation = '${isolation}'`);
  });
  const url = urlOf(options.adminUrl, options.name);
  if (options.migrate ?? true) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await createMigrator({ pool, dir: MIGRATIONS }).up();
    } finally {
      await pool.end();
    }
  }
  return url;
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await onAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** The maintenance database of the server the tests use (DATABASE_URL's). */
export function defaultAdminUrl(): string {
  return urlOf(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", "postgres");
}

/** A database of its own under a random name (parallel runs never share one), and its drop. */
export async function createThrowawayDatabase(options: ThrowawayOptions): Promise<ThrowawayDatabase> {
  const adminUrl = options.adminUrl ?? defaultAdminUrl();
  const name = throwawayName(options.prefix);
  const url = await createDatabase({ ...options, adminUrl, name });
  const pools: pg.Pool[] = [];
  return {
    name,
    url,
    pool() {
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      // pool.end() resolves before every socket is closed; DROP ... WITH (FORCE) then terminates the
      // stragglers, and an error event nobody listens to would crash the test run.
      pool.on("error", () => {});
      pool.on("connect", (client) => client.on("error", () => {}));
      pools.push(pool);
      return pool;
    },
    async drop() {
      await Promise.all(pools.map((pool) => pool.end()));
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * Runs `fn` with DATABASE_URL on a migrated database of its own, then puts the run's database back
 * and drops this one. For tests of jobs that work on a whole table (the audit index backlog): in
 * the run's shared database they would take other test files' rows.
 */
export async function withOwnDatabase<T>(
  fn: (own: ThrowawayDatabase) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  // Loaded here, not at the top: the benches and the global setup import this file before they set
  // the environment the app modules read.
  const { reloadConfig } = await import("@voxguard/core/config");
  const { closeDb } = await import("@voxguard/core/db");
  const own = await createThrowawayDatabase({ prefix: "voxguard_own", ...options });
  const shared = process.env.DATABASE_URL;
  try {
    await closeDb();
    process.env.DATABASE_URL = own.url;
    reloadConfig();
    return await fn(own);
  } finally {
    await closeDb();
    process.env.DATABASE_URL = shared;
    reloadConfig();
    await own.drop();
  }
}

export function throwawayName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}
