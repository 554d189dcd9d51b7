// `npx tsx bench/audit-seal-cpu.ts` (with no other benchmark running): the CPU a stored and a sealed event
// cost the database's backends and this process, from /proc/<pid>/schedstat and process.cpuUsage:
// 60,000 events of 1,000 organizations stored by `store` in the consumer bench's batches, then sealed by one run.
// CPU time, unlike the consumer bench's wall time, hardly depends on what else the box runs.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { generateSealKey } from "../core/audit-seal/keys.ts";
import { createDatabase, dropDatabase, throwawayName } from "../test-support/throwaway-database.ts";
import { auditEventBatches } from "./audit-seal.ts";

const EVENTS = 60_000;
const ORGS = 1_000;
const admin = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const name = throwawayName("seal_cpu");
const url = await createDatabase({ adminUrl: admin, name });
// Read by the app's modules at their first use: set before they load.
process.env.DATABASE_URL = url;
process.env.LOG_LEVEL = "ERROR";
delete process.env.REDIS_URL;
process.env.AUDIT_SEAL_KEY = JSON.stringify(generateSealKey());
const { store } = await import("../core/audit/store.ts");
const { sealPending } = await import("../core/audit-seal/seal.ts");
const { closeDb } = await import("../core/db/index.ts");
const monitor = new pg.Client({ connectionString: admin });
await monitor.connect();

/** Nanoseconds on CPU of the database's backends now (a backend that has ended is not counted). */
async function backendsNs(): Promise<number> {
  const { rows } = await monitor.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [name]);
  return rows.reduce((sum, { pid }) => {
    try {
      return sum + Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      return sum;
    }
  }, 0);
}

async function measure(label: string, events: number, fn: () => Promise<unknown>): Promise<void> {
  const database = await backendsNs();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  const backends = (await backendsNs()) - database;
  console.log(
    `${label}: database backends ${(backends / 1000 / events).toFixed(1)} µs an event, this process ${((used.user + used.system) / events).toFixed(1)} µs an event`,
  );
}

try {
  const orgs = Array.from({ length: ORGS }, () => randomUUID());
  const batches = auditEventBatches(orgs, EVENTS);
  // The pool's connection and the statement's first planning, outside the figures.
  const first = batches.shift()!;
  await store(first);
  await measure("store (the consumer's statement)", EVENTS - first.length, async () => {
    for (const batch of batches) await store(batch);
  });
  await measure("seal (one run, one lane)", EVENTS, () => sealPending());
} finally {
  await closeDb();
  await monitor.end();
  await dropDatabase(admin, name);
}
