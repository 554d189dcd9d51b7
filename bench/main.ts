import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createDatabase as createBenchDatabase,
  dropDatabase,
  throwawayName,
  urlOf,
} from "../test-support/throwaway-database.ts";
import { formatResult, type BenchResult, verdict } from "./report.ts";

/**
 * `npm run bench [-- <name>...]`: every bench in its own throwaway database, one after another, each
 * printing its figures against its target. A missed target is reported, not fatal; only an error
 * (a bench that could not measure) makes the exit code non-zero.
 */

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// Order matters only for the time it takes: the light benches first, the cold-start build last.
const BENCHES = [
  "me-handler",
  "me-vs-floor",
  "cleanup-sessions",
  "resource-pages",
  "audit-consumer",
  "forgot-timing",
  "audit-seal",
  "cold-start",
] as const;

const wanted = process.argv.slice(2).filter((arg) => arg !== "--");
const unknown = wanted.filter((name) => !(BENCHES as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(", ")}; choose from ${BENCHES.join(", ")}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? BENCHES.filter((name) => wanted.includes(name)) : [...BENCHES];

// Named before any app module loads: DATABASE_URL must be set first (see below).
const dbName = throwawayName("bench");
const databaseUrl = urlOf(ADMIN_URL, dbName);

// Everything below is read by app modules at import or first use, so it is set before any of them
// is imported (all app imports here are dynamic).
process.env.DATABASE_URL = databaseUrl;
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
process.env.CACHE_KEY_PREFIX = `vgbench:${dbName}:`;
// The access log at INFO writes a JSON line a request: on a 2-core box that measures the terminal.
process.env.LOG_LEVEL ??= "ERROR";
// The sealing bench signs with a key of its own.
if (!process.env.AUDIT_SEAL_KEY) {
  const { generateSealKey } = await import("../core/audit-seal/keys.ts");
  process.env.AUDIT_SEAL_KEY = JSON.stringify(generateSealKey());
}
// Audit events are written through unless a bench starts its own queue, and no bench may reach a
// real queue, bucket or Quickwit from the shell's environment.
for (const name of ["AUDIT_QUEUE_URL", "QUICKWIT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_S3"])
  delete process.env[name];

async function createDatabase(): Promise<void> {
  // REPEATABLE READ by default, as YugabyteDB runs: the benches measure what production executes.
  await createBenchDatabase({ adminUrl: ADMIN_URL, name: dbName });
}

// One cleanup, whoever asks first (the end of the run, a signal, a closed pipe); the others wait for it.
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= dropEverything();
  return cleaning;
}

async function dropEverything(): Promise<void> {
  const { closeDb } = await import("@voxguard/core/db");
  const { closeCache } = await import("@voxguard/core/cache");
  await closeDb().catch(() => undefined);
  await closeCache().catch(() => undefined);
  await dropCacheKeys().catch((error: unknown) =>
    console.error(`could not remove the bench's cache keys: ${String(error)}`),
  );
  await dropDatabase(ADMIN_URL, dbName);
}

/** The shared Redis keeps other runs' keys: only ours go, by prefix, never a FLUSH. */
async function dropCacheKeys(): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${process.env.CACHE_KEY_PREFIX}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function isBenchResult(value: unknown): value is BenchResult {
  return typeof value === "object" && value !== null && "name" in value && "figures" in value;
}

function toResults(name: string, value: unknown): BenchResult[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item): BenchResult => {
    if (isBenchResult(item)) return item;
    return { name, figures: JSON.stringify(item) };
  });
}

interface BenchModule {
  run(): Promise<unknown>;
}

async function main(): Promise<number> {
  console.log(`bench database ${dbName}, cache prefix ${process.env.CACHE_KEY_PREFIX}, node ${process.version}`);
  await createDatabase();
  let errors = 0;
  const printed: BenchResult[] = [];
  try {
    for (const name of selected) {
      const started = Date.now();
      console.log(`\n— ${name}`);
      try {
        const module = (await import(pathToFileURL(path.join(import.meta.dirname, `${name}.ts`)).href)) as BenchModule;
        const results = toResults(name, await module.run());
        for (const result of results) console.log(formatResult(result));
        printed.push(...results);
        console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (error) {
        errors++;
        console.log(
          `${name.padEnd(24)} ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
    }
  } finally {
    await cleanUp();
  }
  const missed = printed.filter((result) => verdict(result) === "BELOW TARGET");
  console.log(
    `\n${printed.length} lines, ${printed.filter((r) => verdict(r) === "PASS").length} pass, ${missed.length} below target, ${errors} error${errors === 1 ? "" : "s"}`,
  );
  return errors > 0 ? 1 : 0;
}

let interrupted = false;
function interrupt(reason: string): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write(`\n${reason}: dropping ${dbName}\n`);
  cleanUp().finally(() => process.exit(130));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => interrupt(signal));
// `npm run bench | head` closing the pipe must still drop the database, not crash past the cleanup.
process.stdout.on("error", (error: NodeJS.ErrnoException) => interrupt(error.code ?? "stdout error"));

process.exitCode = await main();
// Servers, pollers or sockets a failed bench left open must not keep the process alive.
process.exit();
