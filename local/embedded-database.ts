import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { PglitePgConnection } from "@electric-sql/pglite/node-postgres";
import pg from "pg";

/** What a pg.Pool needs to run on the embedded database: PGlite's client, one connection. */
export interface EmbeddedPoolOverrides {
  Client: typeof pg.Client;
  max: 1;
}

export interface EmbeddedDatabase {
  pglite: PGlite;
  dataDir: string;
  /**
   * A well-formed DATABASE_URL for config() to accept. It is never dialled: the pool overrides
   * replace the socket, and its .invalid host fails loudly if anything connects without them.
   */
  databaseUrl: string;
  /** Spread last into any pg.Pool config (core/db's setPoolOverrides). */
  poolOverrides: EmbeddedPoolOverrides;
  close(): Promise<void>;
}

export const EMBEDDED_DATABASE_URL = "postgres://postgres@pglite.invalid:5432/postgres";

interface Session {
  open: boolean;
}

const sessions = new WeakMap<PGlite, Session>();

/**
 * PGlite is a single backend: every pg client shares one session. A client the pool throws away
 * (after a query error, say) can leave a transaction open or prepared statements behind, which a
 * real server would drop with the socket, so each new client starts from a reset session. Two
 * clients at once would interleave their transactions, so a second one is refused outright.
 */
class SessionConnection extends PglitePgConnection {
  readonly #pglite: PGlite;
  #holding = false;

  constructor(pglite: PGlite) {
    super({ pglite });
    this.#pglite = pglite;
  }

  override async connect(port: number, host: string): Promise<void> {
    const session = sessions.get(this.#pglite) ?? { open: false };
    sessions.set(this.#pglite, session);
    if (session.open) {
      const error = new Error(
        "the embedded database (PGlite) has a single session and another pg client holds it: " +
          "use one pg.Pool with max: 1 and end any other pool first",
      );
      process.nextTick(() => this.emit("error", error));
      return;
    }
    session.open = true;
    this.#holding = true;
    try {
      await this.#pglite.waitReady;
      if (this.#pglite.isInTransaction()) await this.#pglite.exec("ROLLBACK");
      await this.#pglite.exec("DISCARD ALL");
    } catch (error) {
      process.nextTick(() => this.emit("error", error));
      return;
    }
    return super.connect(port, host);
  }

  override end(): void {
    if (this.#holding) {
      this.#holding = false;
      const session = sessions.get(this.#pglite);
      if (session) session.open = false;
    }
    super.end();
  }
}

/**
 * A pg.Client class whose every instance talks to `pglite` through its own connection object.
 * The stock createPgConfig() shares one connection object between all clients of a pool, so a
 * client replaced right after an error receives its predecessor's late "end" and dies with
 * "Connection terminated unexpectedly".
 */
export function pgliteClient(pglite: PGlite): typeof pg.Client {
  return class PGliteClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      const base: pg.ClientConfig = typeof config === "string" ? { connectionString: config } : { ...config };
      // `connection` is pg's (untyped) seam for a custom wire: the client skips its own socket.
      super({ ...base, connection: new SessionConnection(pglite) } as pg.ClientConfig);
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** PGlite has no lock of its own; two instances on one data directory would corrupt it. */
function acquireLock(lockFile: string): void {
  try {
    writeFileSync(lockFile, String(process.pid), { flag: "wx" });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const holder = Number(readFileSync(lockFile, "utf8").trim());
  if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
    throw new Error(`the embedded database at ${path.dirname(lockFile)} is in use by process ${holder}`);
  }
  writeFileSync(lockFile, String(process.pid));
}

/**
 * Opens (creating on first use) a PGlite database kept in `dataDir`. pgcrypto stays loaded: a data
 * directory made while migration 000001 still created the extension needs it to open.
 */
export async function startEmbeddedDatabase(options: { dataDir: string }): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const lockFile = `${dataDir}.lock`;
  acquireLock(lockFile);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir, { extensions: { pgcrypto } });
  } catch (error) {
    rmSync(lockFile, { force: true });
    throw error;
  }
  return {
    pglite,
    dataDir,
    databaseUrl: EMBEDDED_DATABASE_URL,
    poolOverrides: { Client: pgliteClient(pglite), max: 1 },
    async close() {
      try {
        await pglite.close();
      } finally {
        rmSync(lockFile, { force: true });
      }
    },
  };
}
