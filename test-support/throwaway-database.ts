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
  drop(): Promise<void>;
}

export interface ThrowawayOptions {
  /** A server's maintenance database URL (user with CREATEDB). */
  adminUrl: string;
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

/** A database of its own under a random name (parallel runs never share one), and its drop. */
export async function createThrowawayDatabase(options: ThrowawayOptions): Promise<ThrowawayDatabase> {
  const name = throwawayName(options.prefix);
  const url = await createDatabase({ ...options, name });
  return { name, url, drop: () => dropDatabase(options.adminUrl, name) };
}

export function throwawayName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}
