import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SQSClient } from "@aws-sdk/client-sqs";
import pg from "pg";
import { startRedisServer, type RedisServer } from "../test-support/redis-server.ts";
import { createDatabase } from "../test-support/throwaway-database.ts";
import { createCluster, type Cluster } from "./load-cluster.ts";
import { missingFromDatabase, refusedSessionCount, runClient, runTag } from "./load/client.ts";
import { injectFaults, plan } from "./load/faults.ts";
import { expected, now, samples, startRecording, timeline, type Sample } from "./load/record.ts";
import { overlaps, percentile, table, type Check } from "./load/report.ts";
import { CLIENTS, FAULTS, KEEP, RECOVERY_LIMIT_MS, SECONDS, SEED } from "./load/settings.ts";
import { drain, queueDepth, startStack, stopStack } from "./load/stack.ts";

/**
 * `npm run load`: a mixed workload against the whole stack on loopback, with faults injected
 * while it runs. Everything it talks to it starts itself: a PostgreSQL cluster (initdb in a temp
 * directory, free port), a redis-server (free port), and in a child process fauxqs, the local API
 * and the poller feeding the real audit consumer (bench/load-server.ts).
 *
 * During the run Redis is killed for 10 s and restarted, then PostgreSQL is stopped (-m fast) and
 * started again. Checks, each failing the exit code:
 *  - no 5xx other than 503 `unavailable` while PostgreSQL is down (or within 5 s of its return),
 *    so none at all while Redis is down, and no request left without an answer;
 *  - after PostgreSQL is back, the first success within 5 s and the last 503 within 5 s;
 *  - no valid session refused (401) across either fault;
 *  - every organization, resource and membership a client saw created (and not deleted) exists;
 *  - once the queue has drained: audit rows per action equal to the changes the clients saw
 *    succeed, nothing in the dead-letter queue.
 *
 * LOAD_SECONDS (60), LOAD_CLIENTS (50), LOAD_SEED (7), LOAD_FAULTS=0 to run without faults,
 * LOAD_KEEP=1 to keep the temp directory (cluster and server logs) afterwards.
 */

// ---------------------------------------------------------------------------------------------

const say = (line: string) => console.log(`[load] ${line}`);

/** What this run started, so that every way out (done, failed, interrupted, watchdog) stops it. */
const started: { cluster?: Cluster; redis?: RedisServer; child?: ChildProcess; probe?: pg.Pool; sqs?: SQSClient } = {};

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    const { cluster, redis, child, probe, sqs } = started;
    sqs?.destroy();
    await probe?.end().catch(() => undefined);
    if (child) await stopStack(child);
    await redis?.stop().catch(() => undefined);
    if (cluster) {
      if (KEEP) {
        await cluster.stop().catch(() => undefined);
        say(`kept ${cluster.dir}`);
      } else await cluster.destroy();
    }
  })();
  return cleaning;
}

async function main(): Promise<number> {
  say(`${CLIENTS} clients for ${SECONDS} s, seed ${SEED}, faults ${FAULTS ? "on" : "off"}`);
  const cluster = (started.cluster = await createCluster());
  say(`postgresql on 127.0.0.1:${cluster.port} (${cluster.dir})`);
  // Created and migrated on REPEATABLE READ, YugabyteDB's default isolation.
  const databaseUrl = await createDatabase({ adminUrl: cluster.url("postgres"), name: "voxguard_load" });
  const redis = (started.redis = await startRedisServer());
  say(`redis-server on 127.0.0.1:${redis.port}`);

  const logFile = path.join(cluster.dir, "server.log");
  const stack = await startStack(
    {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      DATABASE_URL: databaseUrl,
      // One process serves all clients here, where AWS would run one Lambda per concurrent request.
      DATABASE_POOL_MAX: "20",
      REDIS_URL: redis.url,
      CACHE_KEY_PREFIX: `vgload:${runTag}:`,
      LOG_LEVEL: "ERROR",
      NODE_ENV: "production",
    },
    logFile,
  );
  started.child = stack.child;
  let stackExit: string | undefined;
  stack.child.once("exit", (code, signal) => {
    stackExit = `exited (${signal ?? `code ${code}`}) at ${(now() / 1000).toFixed(1)} s`;
  });
  say(`API on ${stack.info.url}, queue on ${stack.info.endpoint}; server log ${logFile}`);
  const sqs = (started.sqs = new SQSClient({
    endpoint: stack.info.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  }));
  const probe = (started.probe = new pg.Pool({ connectionString: databaseUrl, max: 1 }));
  probe.on("error", () => undefined);

  startRecording(stack.info.url);
  const deadline = SECONDS * 1000;
  const faults = plan(SECONDS);
  const injecting = FAULTS ? injectFaults(redis, cluster, faults, say) : Promise.resolve();
  await Promise.all([...Array.from({ length: CLIENTS }, (_, index) => runClient(index, deadline)), injecting]);
  const elapsed = now();
  say(`load finished after ${(elapsed / 1000).toFixed(1)} s; draining the audit queue`);

  const drained = await drain(sqs, stack.info.queueUrl);
  const deadLetters = await queueDepth(sqs, stack.info.deadLetterQueueUrl).catch(() => NaN);
  const { rows } = await probe.query<{ action: string; n: number }>(
    "SELECT action, count(*)::int AS n FROM audit_log GROUP BY action",
  );
  const stored = new Map(rows.map((row) => [row.action, row.n]));
  const committed = await missingFromDatabase(probe);

  // ---- figures
  const routes = [...new Set(samples.map((sample) => sample.route))].sort();
  const routeRows = routes.map((route) => {
    const mine = samples.filter((sample) => sample.route === route);
    const durations = mine.map((sample) => sample.end - sample.start).sort((a, b) => a - b);
    const count = (test: (status: number) => boolean) => mine.filter((sample) => test(sample.status)).length;
    return [
      route,
      mine.length,
      count((s) => s >= 200 && s < 300),
      count((s) => s >= 400 && s < 500),
      count((s) => s >= 500 || s === 0),
      percentile(durations, 50).toFixed(1),
      percentile(durations, 99).toFixed(1),
    ];
  });
  const allDurations = samples.map((sample) => sample.end - sample.start).sort((a, b) => a - b);
  routeRows.push([
    "all",
    samples.length,
    samples.filter((s) => s.status >= 200 && s.status < 300).length,
    samples.filter((s) => s.status >= 400 && s.status < 500).length,
    samples.filter((s) => s.status >= 500 || s.status === 0).length,
    percentile(allDurations, 50).toFixed(1),
    percentile(allDurations, 99).toFixed(1),
  ]);

  const pgWindowEnd = timeline.pgReady === undefined ? undefined : timeline.pgReady + RECOVERY_LIMIT_MS;
  const failures = samples.filter((sample) => sample.status === 0 || sample.status >= 500);
  const expectedUnavailable = failures.filter(
    (sample) =>
      sample.status === 503 && sample.code === "unavailable" && overlaps(sample, timeline.pgStop, pgWindowEnd),
  );
  const unexpected = failures.filter((sample) => !expectedUnavailable.includes(sample));
  const duringRedis = failures.filter((sample) => overlaps(sample, timeline.redisStop, timeline.redisBack));
  const redisServed = samples.filter(
    (sample) => sample.status >= 200 && sample.status < 300 && overlaps(sample, timeline.redisStop, timeline.redisBack),
  ).length;

  let firstSuccess: number | undefined;
  let lastUnavailable: number | undefined;
  if (timeline.pgReady !== undefined) {
    const ready = timeline.pgReady;
    const after = samples
      .filter((sample) => sample.start >= ready && sample.status >= 200 && sample.status < 300)
      .map((sample) => sample.end);
    firstSuccess = after.length > 0 ? Math.min(...after) - ready : undefined;
    const late = failures.filter((sample) => sample.end > ready).map((sample) => sample.end);
    lastUnavailable = late.length > 0 ? Math.max(...late) - ready : 0;
  }

  const actions = [...new Set([...expected.keys(), ...stored.keys()])].sort();
  const auditRows = actions.map((action) => {
    const want = expected.get(action) ?? 0;
    const got = stored.get(action) ?? 0;
    return [action, want, got, got === want ? "ok" : got < want ? `${want - got} LOST` : `${got - want} EXTRA`];
  });
  const totalWant = [...expected.values()].reduce((a, b) => a + b, 0);
  const totalGot = [...stored.values()].reduce((a, b) => a + b, 0);
  auditRows.push(["total", totalWant, totalGot, totalWant === totalGot ? "ok" : "MISMATCH"]);

  const describe = (list: Sample[]) => {
    const groups = new Map<string, number>();
    for (const sample of list) {
      const key = `${sample.route} → ${sample.status}${sample.code ? ` ${sample.code}` : ""}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    return [...groups]
      .map(([key, count]) => `${count}× ${key}`)
      .slice(0, 8)
      .join("; ");
  };

  const checks: Check[] = [
    {
      name: "unexpected 5xx / no answer",
      ok: unexpected.length === 0,
      detail: unexpected.length === 0 ? "0" : `${unexpected.length}: ${describe(unexpected)}`,
    },
    {
      name: "5xx while Redis was down",
      ok: !FAULTS || duringRedis.length === 0,
      detail: FAULTS
        ? `${duringRedis.length} (of ${redisServed + duringRedis.length} answered in the outage, ${redisServed} 2xx)`
        : "no fault",
    },
    {
      name: "503 unavailable while PostgreSQL was down",
      ok: true,
      detail: FAULTS ? `${expectedUnavailable.length} (expected)` : "no fault",
    },
    {
      name: "first success after PostgreSQL is back",
      ok: !FAULTS || (firstSuccess !== undefined && firstSuccess <= RECOVERY_LIMIT_MS),
      detail: FAULTS
        ? firstSuccess === undefined
          ? "none"
          : `${(firstSuccess / 1000).toFixed(2)} s (limit ${RECOVERY_LIMIT_MS / 1000} s)`
        : "no fault",
    },
    {
      name: "last 5xx after PostgreSQL is back",
      ok: !FAULTS || (lastUnavailable !== undefined && lastUnavailable <= RECOVERY_LIMIT_MS),
      detail: FAULTS
        ? `${((lastUnavailable ?? 0) / 1000).toFixed(2)} s (limit ${RECOVERY_LIMIT_MS / 1000} s)`
        : "no fault",
    },
    { name: "valid sessions refused (401)", ok: refusedSessionCount() === 0, detail: String(refusedSessionCount()) },
    { name: "server process stayed up", ok: stackExit === undefined, detail: stackExit ?? "yes" },
    {
      name: "audit queue drained",
      ok: drained.drained,
      detail: `${drained.drained ? "yes" : "NO"} after ${(drained.ms / 1000).toFixed(1)} s${drained.error ? ` (${drained.error})` : ""}`,
    },
    { name: "dead-letter queue", ok: deadLetters === 0, detail: `${deadLetters} message(s)` },
    {
      name: "changes seen are in the database",
      ok: committed.missing.length === 0,
      detail:
        committed.missing.length === 0
          ? `${committed.checked} orgs, resources and memberships present`
          : `${committed.missing.length} missing: ${committed.missing.slice(0, 3).join("; ")}`,
    },
    {
      name: "audit rows = changes seen",
      ok: actions.every((action) => (expected.get(action) ?? 0) === (stored.get(action) ?? 0)),
      detail: `${totalGot} rows for ${totalWant} changes`,
    },
  ];

  console.log("");
  console.log(
    `VoxGuard load: ${CLIENTS} clients, ${(elapsed / 1000).toFixed(1)} s, ${samples.length} requests, ${(samples.length / (elapsed / 1000)).toFixed(1)} req/s`,
  );
  if (FAULTS) {
    const at = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);
    console.log(
      `faults: redis down ${at(timeline.redisStop)} → ${at(timeline.redisBack)}; postgresql stop ${at(timeline.pgStop)}, down ${at(timeline.pgDown)}, ready ${at(timeline.pgReady)}`,
    );
  }
  console.log("");
  console.log(table(["route", "requests", "2xx", "4xx", "5xx", "p50 ms", "p99 ms"], routeRows));
  console.log("");
  console.log(table(["audit action", "changes seen", "rows stored", ""], auditRows, [3]));
  console.log("");
  const brief = (text: string) => (text.length > 90 ? `${text.slice(0, 87)}...` : text);
  console.log(
    table(
      ["check", "result", "detail"],
      checks.map((check) => [check.name, check.ok ? "PASS" : "FAIL", brief(check.detail)]),
      [1, 2],
    ),
  );
  for (const check of checks.filter((c) => !c.ok && c.detail.length > 90))
    console.log(`\n${check.name}: ${check.detail}`);
  const fourXX = samples.filter((sample) => sample.status >= 400 && sample.status < 500);
  if (fourXX.length > 0) console.log(`\n4xx answers: ${describe(fourXX)}`);
  const serverErrors = readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line.includes('"level":"ERROR"'));
  if (serverErrors.length > 0) {
    const messages = new Map<string, number>();
    for (const line of serverErrors) {
      let message = line.slice(0, 120);
      try {
        const parsed = JSON.parse(line) as { message?: string; error?: { message?: string } | string };
        message =
          `${parsed.message}: ${typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? "")}`.slice(
            0,
            160,
          );
      } catch {
        // Not a structured line: its start is enough.
      }
      messages.set(message, (messages.get(message) ?? 0) + 1);
    }
    console.log(`\nserver ERROR log lines: ${serverErrors.length}`);
    for (const [message, count] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 10))
      console.log(`  ${count}× ${message}`);
  }
  const failed = checks.filter((check) => !check.ok);
  console.log(
    failed.length === 0
      ? "\nall checks passed"
      : `\n${failed.length} check(s) FAILED: ${failed.map((check) => check.name).join(", ")}`,
  );
  return failed.length === 0 ? 0 : 1;
}

async function exit(code: number): Promise<never> {
  await Promise.race([
    cleanUp().catch((error: unknown) => console.error("[load] cleaning up failed:", error)),
    sleep(60_000),
  ]);
  process.exit(code);
}

// Every step above is bounded; this is the backstop if one of them is not.
const watchdog = setTimeout(
  () => {
    console.error(`[load] still running ${SECONDS + 400} s after start: giving up`);
    void exit(3);
  },
  (SECONDS + 400) * 1000,
);
watchdog.unref();
process.once("SIGINT", () => void exit(130));
process.once("SIGTERM", () => void exit(143));

main().then(
  (code) => exit(code),
  (error: unknown) => {
    console.error("[load] failed:", error);
    return exit(2);
  },
);
