import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Kysely, type PostgresCursorConstructor, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import { config } from "../config/index.ts";
import { log } from "../log/index.ts";
import type { Database } from "./schema.ts";
import { isRetryableTransactionError } from "./errors.ts";

export type { Database } from "./schema.ts";
export * from "./errors.ts";

export type Executor = Kysely<Database> | Transaction<Database>;
type Effect = () => unknown;

// Parse BIGINT counts as numbers: every count here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

let pool: pg.Pool | undefined;
let kysely: Kysely<Database> | undefined;
let poolOverrides: Partial<pg.PoolConfig> = {};

/**
 * Lets the local server swap the wire driver (the embedded PGlite) while every query still goes
 * through the same pg.Pool and kysely path.
 */
export function setPoolOverrides(overrides: Partial<pg.PoolConfig>): void {
  poolOverrides = overrides;
}

function createPool(): pg.Pool {
  const settings = config();
  const created = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.databasePoolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    // A startup parameter rather than a SET: no session state for YugabyteDB's connection manager to pin.
    statement_timeout: settings.databaseStatementTimeoutMs,
    ...poolOverrides,
  });
  // A restarted server kills idle clients; without a listener that would crash the process.
  created.on("error", (error) => log.warn("idle database client failed", { error: error.message }));
  // The pool's listener covers idle clients only. A checked-out client between two statements (a
  // transaction awaiting its next step) gets the server's FATAL as an 'error' event too, and with
  // no listener that is an uncaught exception: the whole process dies with its in-flight requests.
  // Handled here, the client's next query fails as unavailable (503) and the pool discards it.
  created.on("connect", (client) => {
    client.on("error", (error) => log.warn("database connection lost while in use", { error: error.message }));
  });
  return created;
}

let streamingCursor: PostgresCursorConstructor | undefined;

/**
 * Lets kysely's `.stream()` run, with pg-cursor. Only a module that streams registers it, so only
 * its function's bundle carries pg-cursor's code; the dialect asks for a cursor when a stream starts,
 * so registering after the first db() still counts.
 */
export function enableStreaming(cursor: PostgresCursorConstructor): void {
  streamingCursor = cursor;
}

const deferredCursor = function (this: unknown, sql: string, parameters: unknown[]) {
  if (!streamingCursor) throw new Error("Streaming needs enableStreaming(Cursor) from pg-cursor first");
  return new streamingCursor(sql, parameters);
} as unknown as PostgresCursorConstructor;

/** The process-wide kysely instance, created on first use so a warm Lambda reuses its pool. */
export function db(): Kysely<Database> {
  if (!kysely) {
    pool = createPool();
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: deferredCursor }) });
  }
  return kysely;
}

export async function closeDb(): Promise<void> {
  const closing = kysely;
  kysely = undefined;
  pool = undefined;
  await closing?.destroy();
}

interface TransactionContext {
  tx: Transaction<Database>;
  effects: Effect[];
}

const current = new AsyncLocalStorage<TransactionContext>();
// Node 20 and 22 track an enabled AsyncLocalStorage with promise hooks: while it is on, every
// promise in the process costs about three times as much (a cached GET /me makes ~40). It is
// switched off whenever no transaction is open, so code that opens none pays nothing, as in a
// deployed read route, also in the local server, where every route shares one process.
// run() switches it on again.
let openTransactions = 0;

async function inContext<T>(context: TransactionContext, fn: () => Promise<T>): Promise<T> {
  openTransactions++;
  try {
    return await current.run(context, fn);
  } finally {
    if (--openTransactions === 0) current.disable();
  }
}

/** Bounded: a cluster that keeps failing is answered 5xx rather than waited on. */
export const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 20;
const MAX_DELAY_MS = 1_000;

function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.random() * ceiling;
}

export interface TransactionOptions {
  isolation?: "read committed" | "repeatable read" | "serializable";
}

/**
 * Runs `fn` in a transaction, or inside the caller's transaction when there already is one.
 * Serialization failures and deadlocks are retried with jittered backoff; effects registered with
 * `afterCommit` run once, after the commit succeeded, and never for an attempt that rolled back.
 */
export async function transaction<T>(
  fn: (tx: Transaction<Database>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const outer = current.getStore();
  if (outer) return fn(outer.tx);

  return retrying(async () => {
    const effects: Effect[] = [];
    let builder = db().transaction();
    if (options.isolation) builder = builder.setIsolationLevel(options.isolation);
    const result = await builder.execute((tx) => inContext({ tx, effects }, () => fn(tx)));
    await runEffects(effects);
    return result;
  });
}

/**
 * Runs `fn` again after a retryable failure (see `isRetryableTransactionError`: serialization
 * failures, deadlocks, YugabyteDB's restart-read and leader-move errors), with jittered backoff
 * and at most MAX_ATTEMPTS runs: for a whole transaction (see `transaction`) or for statements
 * that are each their own transaction. Never inside an open transaction: after an error there
 * the transaction is aborted, and only running all of it again helps.
 */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      await sleep(backoff(attempt));
    }
  }
}

/**
 * The current transaction if there is one, else the pool: for reads and single statements. On the
 * pool, `fn` runs again after a retryable failure (a statement that failed so was not applied), so
 * it must not hold a write that succeeded before one that can fail; the enclosing transaction
 * retries otherwise.
 */
export function useTransaction<T>(fn: (executor: Executor) => Promise<T>): Promise<T> {
  const tx = current.getStore()?.tx;
  return tx ? fn(tx) : retrying(() => fn(db()));
}

/**
 * Defers `effect` (a cache delete, an audit event) until the surrounding transaction committed.
 * Outside a transaction it runs now. The returned promise settles when the effect has run.
 */
export async function afterCommit(effect: Effect): Promise<void> {
  const context = current.getStore();
  if (context) context.effects.push(effect);
  else await runEffects([effect]);
}

async function runEffects(effects: Effect[]): Promise<void> {
  for (const effect of effects) {
    try {
      await effect();
    } catch (error) {
      // The change is committed; an effect that fails must not turn it into an error answer.
      log.error("after-commit effect failed", { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
