import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import pg from "pg";
import { startRedisServer, type RedisServer } from "../test-support/redis-server.ts";
import { createDatabase } from "../test-support/throwaway-database.ts";
import { createCluster, type Cluster } from "./load-cluster.ts";

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

const SECONDS = positive("LOAD_SECONDS", 60);
const CLIENTS = positive("LOAD_CLIENTS", 50);
const SEED = positive("LOAD_SEED", 7);
const FAULTS = process.env.LOAD_FAULTS !== "0";
const KEEP = process.env.LOAD_KEEP === "1";
const RECOVERY_LIMIT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
const DRAIN_LIMIT_MS = 120_000;
// After a 5xx or no answer a client waits this long, as a client honouring Retry-After would.
const BACKOFF_MS = 250;
const PASSWORD = "correct horse battery staple";
const rootDir = path.resolve(import.meta.dirname, "..");

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Measurements.

interface Sample {
  route: string;
  /** Milliseconds since the load started. */
  start: number;
  end: number;
  /** 0: no HTTP answer at all (connection error or client timeout). */
  status: number;
  code?: string;
}

const samples: Sample[] = [];
/** Audit events the clients' successful changes must have produced, by action. */
const expected = new Map<string, number>();
let t0 = 0;
const now = () => performance.now() - t0;

function owe(action: string): void {
  expected.set(action, (expected.get(action) ?? 0) + 1);
}

interface Timeline {
  redisStop?: number;
  redisBack?: number;
  pgStop?: number;
  pgDown?: number;
  pgReady?: number;
}

const timeline: Timeline = {};

// ---------------------------------------------------------------------------------------------
// The workload.

let baseUrl = "";
const runTag = randomBytes(4).toString("hex");
/** Registered accounts any client may add to its organizations. */
const emails: string[] = [];

/** mulberry32: a seeded generator, so a rerun with the same LOAD_SEED makes the same choices. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer {
  status: number;
  body: any;
}

async function call(route: string, target: string, token?: string, body?: unknown): Promise<Answer> {
  const method = route.split(" ")[0]!;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const start = now();
  try {
    const response = await fetch(baseUrl + target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const sample: Sample = { route, start, end: now(), status: response.status };
    if (response.status >= 400 && typeof parsed?.code === "string") sample.code = parsed.code;
    samples.push(sample);
    return { status: response.status, body: parsed };
  } catch (error) {
    samples.push({ route, start, end: now(), status: 0, code: (error as Error).name });
    return { status: 0, body: undefined };
  }
}

const ACTIONS = [
  ["GET /me", 10],
  ["GET /orgs", 5],
  ["POST /orgs", 3],
  ["PATCH /orgs/{orgId}", 4],
  ["DELETE /orgs/{orgId}", 1],
  ["POST /orgs/{orgId}/resources", 12],
  ["GET /orgs/{orgId}/resources", 8],
  ["GET /orgs/{orgId}/resources/{resourceId}", 8],
  ["PATCH /orgs/{orgId}/resources/{resourceId}", 8],
  ["DELETE /orgs/{orgId}/resources/{resourceId}", 4],
  ["POST /orgs/{orgId}/invitations", 3],
  ["GET /orgs/{orgId}/members", 4],
  ["GET /orgs/{orgId}/audit", 4],
  ["GET /me/audit", 3],
  ["POST /auth/login", 2],
  ["POST /auth/register", 1],
] as const;
type Action = (typeof ACTIONS)[number][0];
const TOTAL_WEIGHT = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);

function pick(rng: () => number): Action {
  let roll = rng() * TOTAL_WEIGHT;
  for (const [action, weight] of ACTIONS) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return ACTIONS[0][0];
}

interface Org {
  id: string;
  resources: string[];
  members: Set<string>;
}

/** 401s a client got with a token it had every reason to think valid: sessions lost to a fault. */
let refusedSessions = 0;

/**
 * What the clients saw committed and still hold: each must be in the database at the end. A
 * delete answered 5xx may or may not have committed; its target is left out rather than guessed.
 */
const held: Org[] = [];

/**
 * One client: registers, then loops over weighted actions on its own organizations until the
 * deadline. Every answer is recorded; every 2xx change adds the audit event it owes.
 */
async function runClient(index: number, deadline: number): Promise<void> {
  const rng = random(SEED * 1_000 + index);
  const email = `load-${index}-${runTag}@example.test`;
  let token: string | undefined;
  const orgs: Org[] = [];
  let n = 0;

  async function signIn(): Promise<number> {
    const answer = await call("POST /auth/login", "/auth/login", undefined, { email, password: PASSWORD });
    if (answer.status === 200) {
      token = answer.body.token;
      owe("auth.login");
    }
    return answer.status;
  }

  while (!token && now() < deadline) {
    const answer = await call("POST /auth/register", "/auth/register", undefined, { email, password: PASSWORD, displayName: `Load ${index}` });
    if (answer.status === 201) {
      token = answer.body.token;
      owe("user.registered");
      emails.push(email);
    } else if (answer.status === 409) {
      // Registered by an attempt whose answer was lost: sign in instead.
      await signIn();
    } else await sleep(BACKOFF_MS);
  }

  const org = () => orgs[Math.floor(rng() * orgs.length)];

  async function perform(action: Action): Promise<number> {
    n++;
    const target = org();
    switch (action) {
      case "GET /me":
        return (await call(action, "/me", token)).status;
      case "GET /orgs":
        return (await call(action, "/orgs?limit=20", token)).status;
      case "POST /orgs": {
        if (orgs.length >= 6) return perform("PATCH /orgs/{orgId}");
        const answer = await call(action, "/orgs", token, { name: `Load org ${index}-${n}`, slug: `load-${runTag}-${index}-${n}`, metadata: { client: index } });
        if (answer.status === 201) {
          orgs.push({ id: answer.body.org.id, resources: [], members: new Set([email]) });
          owe("org.created");
        }
        return answer.status;
      }
      case "PATCH /orgs/{orgId}": {
        if (!target) return perform("POST /orgs");
        const answer = await call(action, `/orgs/${target.id}`, token, { name: `Load org ${index}-${n} renamed` });
        if (answer.status === 200) owe("org.updated");
        return answer.status;
      }
      case "DELETE /orgs/{orgId}": {
        if (!target || orgs.length < 2) return perform("GET /orgs");
        const answer = await call(action, `/orgs/${target.id}`, token);
        if (answer.status === 204) owe("org.deleted");
        if (answer.status === 204 || answer.status === 0 || answer.status >= 500) orgs.splice(orgs.indexOf(target), 1);
        return answer.status;
      }
      case "POST /orgs/{orgId}/resources": {
        if (!target) return perform("POST /orgs");
        const answer = await call(action, `/orgs/${target.id}/resources`, token, { type: "voice.line", name: `Line ${index}-${n}`, config: { number: `+1555${String(n).padStart(7, "0")}` } });
        if (answer.status === 201) {
          target.resources.push(answer.body.resource.id);
          owe("resource.created");
        }
        return answer.status;
      }
      case "GET /orgs/{orgId}/resources":
        if (!target) return perform("POST /orgs");
        return (await call(action, `/orgs/${target.id}/resources?limit=20`, token)).status;
      case "GET /orgs/{orgId}/resources/{resourceId}":
      case "PATCH /orgs/{orgId}/resources/{resourceId}":
      case "DELETE /orgs/{orgId}/resources/{resourceId}": {
        if (!target) return perform("POST /orgs");
        const resourceId = target.resources[Math.floor(rng() * target.resources.length)];
        if (!resourceId) return perform("POST /orgs/{orgId}/resources");
        const url = `/orgs/${target.id}/resources/${resourceId}`;
        if (action === "GET /orgs/{orgId}/resources/{resourceId}") return (await call(action, url, token)).status;
        if (action === "PATCH /orgs/{orgId}/resources/{resourceId}") {
          // A new name every time: a patch that changes nothing succeeds without an audit event.
          const answer = await call(action, url, token, { name: `Line ${index}-${n} renamed` });
          if (answer.status === 200) owe("resource.updated");
          return answer.status;
        }
        const answer = await call(action, url, token);
        if (answer.status === 204) owe("resource.deleted");
        if (answer.status === 204 || answer.status === 0 || answer.status >= 500) target.resources.splice(target.resources.indexOf(resourceId), 1);
        return answer.status;
      }
      case "POST /orgs/{orgId}/invitations": {
        // Members join by accepting a mailed invitation; the load run only sends invitations.
        if (!target) return perform("POST /orgs");
        const candidates = emails.filter((candidate) => !target.members.has(candidate));
        if (candidates.length === 0) return perform("GET /orgs/{orgId}/members");
        const candidate = candidates[Math.floor(rng() * candidates.length)]!;
        const answer = await call(action, `/orgs/${target.id}/invitations`, token, { email: candidate, role: "member" });
        if (answer.status === 201) owe("invitation.created");
        return answer.status;
      }
      case "GET /orgs/{orgId}/members":
        if (!target) return perform("POST /orgs");
        return (await call(action, `/orgs/${target.id}/members?limit=20`, token)).status;
      case "GET /orgs/{orgId}/audit":
        if (!target) return perform("POST /orgs");
        return (await call(action, `/orgs/${target.id}/audit?limit=20`, token)).status;
      case "GET /me/audit":
        return (await call(action, "/me/audit?limit=20", token)).status;
      case "POST /auth/login":
        return signIn();
      case "POST /auth/register": {
        const extra = `load-${index}-x${n}-${runTag}@example.test`;
        const answer = await call(action, "/auth/register", undefined, { email: extra, password: PASSWORD, displayName: `Load ${index} extra` });
        if (answer.status === 201) {
          owe("user.registered");
          emails.push(extra);
        }
        return answer.status;
      }
    }
  }

  while (token && now() < deadline) {
    const status = await perform(pick(rng));
    if (status === 401) {
      refusedSessions++;
      await signIn();
    }
    if (status === 0 || status >= 500) await sleep(BACKOFF_MS);
  }
  held.push(...orgs);
}

/** Held organizations, resources and memberships the database does not have: committed changes lost. */
async function missingFromDatabase(probe: pg.Pool): Promise<{ checked: number; missing: string[] }> {
  const orgIds = held.map((org) => org.id);
  const resourceIds = held.flatMap((org) => org.resources);
  const [orgs, resources, members] = await Promise.all([
    probe.query<{ id: string }>("SELECT id FROM organizations WHERE id = ANY($1::uuid[])", [orgIds]),
    probe.query<{ id: string }>("SELECT id FROM resources WHERE id = ANY($1::uuid[])", [resourceIds]),
    probe.query<{ org_id: string; email: string }>(
      "SELECT m.org_id, u.email FROM organization_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ANY($1::uuid[])",
      [orgIds],
    ),
  ]);
  const haveOrgs = new Set(orgs.rows.map((row) => row.id));
  const haveResources = new Set(resources.rows.map((row) => row.id));
  const haveMembers = new Set(members.rows.map((row) => `${row.org_id} ${row.email}`));
  const missing: string[] = [];
  let checked = 0;
  for (const org of held) {
    checked++;
    if (!haveOrgs.has(org.id)) missing.push(`organization ${org.id}`);
    for (const id of org.resources) {
      checked++;
      if (!haveResources.has(id)) missing.push(`resource ${id}`);
    }
    for (const email of org.members) {
      checked++;
      if (!haveMembers.has(`${org.id} ${email}`)) missing.push(`member ${email} of ${org.id}`);
    }
  }
  return { checked, missing };
}

// ---------------------------------------------------------------------------------------------
// Faults.

interface Plan {
  redisAt: number;
  redisFor: number;
  pgAt: number;
  pgFor: number;
}

/** 60 s: Redis down 9–19 s, PostgreSQL stopped at 36 s for 3 s. Shorter runs scale it down. */
function plan(seconds: number): Plan {
  const ms = seconds * 1000;
  return { redisAt: 0.15 * ms, redisFor: Math.min(10_000, 0.25 * ms), pgAt: 0.6 * ms, pgFor: Math.min(3_000, 0.1 * ms) };
}

async function injectFaults(redis: RedisServer, cluster: Cluster, faults: Plan, log: (line: string) => void): Promise<void> {
  const until = (at: number) => sleep(Math.max(0, at - now()));
  await until(faults.redisAt);
  timeline.redisStop = now();
  await redis.stop();
  log(`redis-server killed at ${(timeline.redisStop / 1000).toFixed(1)} s`);
  await until(faults.redisAt + faults.redisFor);
  await redis.start();
  timeline.redisBack = now();
  log(`redis-server back at ${(timeline.redisBack / 1000).toFixed(1)} s`);

  await until(faults.pgAt);
  timeline.pgStop = now();
  await cluster.stop();
  timeline.pgDown = now();
  log(`postgresql stopped (-m fast) at ${(timeline.pgStop / 1000).toFixed(1)} s, down at ${(timeline.pgDown / 1000).toFixed(1)} s`);
  await sleep(faults.pgFor);
  await cluster.start();
  timeline.pgReady = now();
  log(`postgresql accepting connections again at ${(timeline.pgReady / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// The stack.

interface StackInfo {
  url: string;
  endpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

async function startStack(env: NodeJS.ProcessEnv, logFile: string): Promise<{ child: ChildProcess; info: StackInfo }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(rootDir, "bench", "load-server.ts")], {
    cwd: rootDir,
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const logStream = createWriteStream(logFile);
  child.stderr!.pipe(logStream);
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<StackInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the load stack did not start within 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`the load stack exited with ${code} while starting; see ${logFile}`)));
    lines.once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as StackInfo);
      } catch {
        reject(new Error(`the load stack said ${JSON.stringify(line)} instead of its addresses`));
      }
    });
  });
  lines.on("line", (line) => logStream.write(`${line}\n`));
  return { child, info };
}

async function stopStack(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
}

/** Waits until the audit queue stays empty for two looks a second apart; the time it took. */
async function drain(sqs: SQSClient, queueUrl: string): Promise<{ drained: boolean; ms: number; error?: string }> {
  const started = performance.now();
  let empty = 0;
  while (performance.now() - started < DRAIN_LIMIT_MS) {
    try {
      empty = (await queueDepth(sqs, queueUrl)) === 0 ? empty + 1 : 0;
    } catch (error) {
      // The queue lives in the stack's process: if that died, there is nothing left to drain.
      return { drained: false, ms: performance.now() - started, error: (error as Error).message };
    }
    if (empty >= 2) return { drained: true, ms: performance.now() - started };
    await sleep(1_000);
  }
  return { drained: false, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Report.

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Text columns (the first, and any named in `left`) are left-aligned, figures right-aligned. */
function table(headers: string[], rows: (string | number)[][], left: number[] = []): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const pad = (cell: string, column: number) => (column === 0 || left.includes(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!));
  const line = (row: string[]) => row.map(pad).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((width) => "-".repeat(width)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const overlaps = (sample: Sample, from: number | undefined, to: number | undefined) => from !== undefined && to !== undefined && sample.end >= from && sample.start <= to;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

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
  baseUrl = stack.info.url;
  say(`API on ${baseUrl}, queue on ${stack.info.endpoint}; server log ${logFile}`);
  const sqs = (started.sqs = new SQSClient({ endpoint: stack.info.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } }));
  const probe = (started.probe = new pg.Pool({ connectionString: databaseUrl, max: 1 }));
  probe.on("error", () => undefined);

  t0 = performance.now();
  const deadline = SECONDS * 1000;
  const faults = plan(SECONDS);
  const injecting = FAULTS ? injectFaults(redis, cluster, faults, say) : Promise.resolve();
  await Promise.all([...Array.from({ length: CLIENTS }, (_, index) => runClient(index, deadline)), injecting]);
  const elapsed = now();
  say(`load finished after ${(elapsed / 1000).toFixed(1)} s; draining the audit queue`);

  const drained = await drain(sqs, stack.info.queueUrl);
  const deadLetters = await queueDepth(sqs, stack.info.deadLetterQueueUrl).catch(() => NaN);
  const { rows } = await probe.query<{ action: string; n: number }>("SELECT action, count(*)::int AS n FROM audit_log GROUP BY action");
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
  const expectedUnavailable = failures.filter((sample) => sample.status === 503 && sample.code === "unavailable" && overlaps(sample, timeline.pgStop, pgWindowEnd));
  const unexpected = failures.filter((sample) => !expectedUnavailable.includes(sample));
  const duringRedis = failures.filter((sample) => overlaps(sample, timeline.redisStop, timeline.redisBack));
  const redisServed = samples.filter((sample) => sample.status >= 200 && sample.status < 300 && overlaps(sample, timeline.redisStop, timeline.redisBack)).length;

  let firstSuccess: number | undefined;
  let lastUnavailable: number | undefined;
  if (timeline.pgReady !== undefined) {
    const ready = timeline.pgReady;
    const after = samples.filter((sample) => sample.start >= ready && sample.status >= 200 && sample.status < 300).map((sample) => sample.end);
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
    return [...groups].map(([key, count]) => `${count}× ${key}`).slice(0, 8).join("; ");
  };

  const checks: Check[] = [
    { name: "unexpected 5xx / no answer", ok: unexpected.length === 0, detail: unexpected.length === 0 ? "0" : `${unexpected.length}: ${describe(unexpected)}` },
    { name: "5xx while Redis was down", ok: !FAULTS || duringRedis.length === 0, detail: FAULTS ? `${duringRedis.length} (of ${redisServed + duringRedis.length} answered in the outage, ${redisServed} 2xx)` : "no fault" },
    { name: "503 unavailable while PostgreSQL was down", ok: true, detail: FAULTS ? `${expectedUnavailable.length} (expected)` : "no fault" },
    {
      name: "first success after PostgreSQL is back",
      ok: !FAULTS || (firstSuccess !== undefined && firstSuccess <= RECOVERY_LIMIT_MS),
      detail: FAULTS ? (firstSuccess === undefined ? "none" : `${(firstSuccess / 1000).toFixed(2)} s (limit ${RECOVERY_LIMIT_MS / 1000} s)`) : "no fault",
    },
    {
      name: "last 5xx after PostgreSQL is back",
      ok: !FAULTS || (lastUnavailable !== undefined && lastUnavailable <= RECOVERY_LIMIT_MS),
      detail: FAULTS ? `${((lastUnavailable ?? 0) / 1000).toFixed(2)} s (limit ${RECOVERY_LIMIT_MS / 1000} s)` : "no fault",
    },
    { name: "valid sessions refused (401)", ok: refusedSessions === 0, detail: String(refusedSessions) },
    { name: "server process stayed up", ok: stackExit === undefined, detail: stackExit ?? "yes" },
    { name: "audit queue drained", ok: drained.drained, detail: `${drained.drained ? "yes" : "NO"} after ${(drained.ms / 1000).toFixed(1)} s${drained.error ? ` (${drained.error})` : ""}` },
    { name: "dead-letter queue", ok: deadLetters === 0, detail: `${deadLetters} message(s)` },
    {
      name: "changes seen are in the database",
      ok: committed.missing.length === 0,
      detail: committed.missing.length === 0 ? `${committed.checked} orgs, resources and memberships present` : `${committed.missing.length} missing: ${committed.missing.slice(0, 3).join("; ")}`,
    },
    { name: "audit rows = changes seen", ok: actions.every((action) => (expected.get(action) ?? 0) === (stored.get(action) ?? 0)), detail: `${totalGot} rows for ${totalWant} changes` },
  ];

  console.log("");
  console.log(`VoxGuard load: ${CLIENTS} clients, ${(elapsed / 1000).toFixed(1)} s, ${samples.length} requests, ${(samples.length / (elapsed / 1000)).toFixed(1)} req/s`);
  if (FAULTS) {
    const at = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);
    console.log(`faults: redis down ${at(timeline.redisStop)} → ${at(timeline.redisBack)}; postgresql stop ${at(timeline.pgStop)}, down ${at(timeline.pgDown)}, ready ${at(timeline.pgReady)}`);
  }
  console.log("");
  console.log(table(["route", "requests", "2xx", "4xx", "5xx", "p50 ms", "p99 ms"], routeRows));
  console.log("");
  console.log(table(["audit action", "changes seen", "rows stored", ""], auditRows, [3]));
  console.log("");
  const brief = (text: string) => (text.length > 90 ? `${text.slice(0, 87)}...` : text);
  console.log(table(["check", "result", "detail"], checks.map((check) => [check.name, check.ok ? "PASS" : "FAIL", brief(check.detail)]), [1, 2]));
  for (const check of checks.filter((c) => !c.ok && c.detail.length > 90)) console.log(`\n${check.name}: ${check.detail}`);
  const fourXX = samples.filter((sample) => sample.status >= 400 && sample.status < 500);
  if (fourXX.length > 0) console.log(`\n4xx answers: ${describe(fourXX)}`);
  const serverErrors = readFileSync(logFile, "utf8").split("\n").filter((line) => line.includes('"level":"ERROR"'));
  if (serverErrors.length > 0) {
    const messages = new Map<string, number>();
    for (const line of serverErrors) {
      let message = line.slice(0, 120);
      try {
        const parsed = JSON.parse(line) as { message?: string; error?: { message?: string } | string };
        message = `${parsed.message}: ${typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? "")}`.slice(0, 160);
      } catch {
        // Not a structured line: its start is enough.
      }
      messages.set(message, (messages.get(message) ?? 0) + 1);
    }
    console.log(`\nserver ERROR log lines: ${serverErrors.length}`);
    for (const [message, count] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${count}× ${message}`);
  }
  const failed = checks.filter((check) => !check.ok);
  console.log(failed.length === 0 ? "\nall checks passed" : `\n${failed.length} check(s) FAILED: ${failed.map((check) => check.name).join(", ")}`);
  return failed.length === 0 ? 0 : 1;
}

async function exit(code: number): Promise<never> {
  await Promise.race([cleanUp().catch((error: unknown) => console.error("[load] cleaning up failed:", error)), sleep(60_000)]);
  process.exit(code);
}

// Every step above is bounded; this is the backstop if one of them is not.
const watchdog = setTimeout(() => {
  console.error(`[load] still running ${SECONDS + 400} s after start: giving up`);
  void exit(3);
}, (SECONDS + 400) * 1000);
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
