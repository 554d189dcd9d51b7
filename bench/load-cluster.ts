import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../test-support/redis-server.ts";

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster on loopback: its own data directory, port and socket directory. */
export interface Cluster {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  start(): Promise<void>;
  /** pg_ctl stop -m fast: active transactions roll back, every session is cut. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** PG_BIN, else the newest /usr/lib/postgresql/<n>/bin, else whatever PATH has. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = path.join(root, version, "bin");
      if (existsSync(path.join(dir, "initdb"))) return dir;
    }
  }
  return "";
}

/**
 * initdb refuses to run as root: as root every cluster command runs as the `postgres` user
 * (runuser), which then has to own the directory.
 */
function asClusterOwner(): {
  wrap(command: string, args: string[]): [string, string[]];
  owner?: { uid: number; gid: number };
} {
  if (process.getuid?.() !== 0) return { wrap: (command, args) => [command, args] };
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { wrap: (command, args) => ["runuser", ["-u", "postgres", "--", command, ...args]], owner: { uid, gid } };
}

export async function createCluster(): Promise<Cluster> {
  const bin = binDir();
  const tool = (name: string) => (bin ? path.join(bin, name) : name);
  const { wrap, owner } = asClusterOwner();
  const exec = (name: string, args: string[], timeoutMs: number) => {
    const [command, full] = wrap(tool(name), args);
    return run(command, full, { timeout: timeoutMs });
  };

  const dir = mkdtempSync(path.join(tmpdir(), "voxguard-load-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, "data");
  const port = await freePort();
  await exec("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], 120_000);

  // fsync off: a throwaway cluster on a small machine; restarts here are clean shutdowns
  // (pg_ctl stop -m fast writes a checkpoint), so no committed row depends on it.
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c max_connections=100",
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c shared_buffers=128MB",
  ].join(" ");
  const log = path.join(dir, "postgresql.log");

  const cluster: Cluster = {
    port,
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await exec("pg_ctl", ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"], 90_000);
    },
    async stop() {
      await exec("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"], 90_000);
    },
    async destroy() {
      try {
        await exec("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], 60_000);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
