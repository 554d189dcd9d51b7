import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { startApi } from "../test-support/http.ts";
import { signUp } from "../test-support/identity.ts";
import { count, fixed, median, progress, type BenchResult } from "./report.ts";

const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const SLICES = 5;
const SLICE_SECONDS = 2;

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  total: number;
}

interface Slice extends LoadResult {
  cpuMicros: number;
}

/** Throughput over all slices; latency percentiles as the median of the slices' own. */
function combine(slices: Slice[]) {
  const total = slices.reduce((sum, slice) => sum + slice.total, 0);
  return {
    total,
    reqPerSec: total / (slices.length * SLICE_SECONDS),
    p50: median(slices.map((slice) => slice.p50)),
    p99: median(slices.map((slice) => slice.p99)),
    cpuMicrosPerRequest: slices.reduce((sum, slice) => sum + slice.cpuMicros, 0) / total,
  };
}

/**
 * autocannon in a child process: in this process it would share the event loop with the server it
 * is measuring and roughly halve what either could do.
 */
export function load(
  url: string,
  options: { seconds: number; connections: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const cli = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  const args = [cli, "--json", "--no-progress", "-c", String(options.connections), "-d", String(options.seconds)];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${stderr.trim()}`));
      try {
        const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
          requests: { average: number; total: number };
          latency: { p50: number; p99: number };
          non2xx: number;
          errors: number;
          timeouts: number;
        };
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          return reject(
            new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`),
          );
        }
        resolve({
          reqPerSec: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          total: result.requests.total,
        });
      } catch (error) {
        reject(new Error(`unreadable autocannon output: ${String(error)}\n${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * The floor: what any server answering GET /me from a cached session must at least do. Hash the
 * bearer token, one Redis GET, parse, answer JSON. No framework, no routing, no validation.
 */
async function startFloor(redis: Redis, keyPrefix: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) {
      res.writeHead(401).end();
      return;
    }
    const hash = createHash("sha256").update(token).digest("hex");
    redis.get(keyPrefix + hash).then(
      (raw) => {
        if (!raw) {
          res.writeHead(401).end();
          return;
        }
        const session = JSON.parse(raw) as { user: unknown };
        const body = JSON.stringify({ user: session.user });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
      },
      () => res.writeHead(503).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function run(): Promise<BenchResult[]> {
  const api = await startApi();
  const redis = new Redis(process.env.REDIS_URL!);
  let floor: { url: string; server: Server } | undefined;
  try {
    const { token } = await signUp(api);
    const me = await api.request("GET", "/me", { token });
    if (me.status !== 200) throw new Error(`GET /me answered ${me.status}`);

    // The floor's value is the app's own cached session plus the user it answers with, so both read
    // and write about the same bytes (the session's own copy of the profile goes: `user` replaces it).
    const { cacheKey } = await import("@voxguard/core/cache");
    const { hashToken } = await import("@voxguard/core/session");
    const cached = await redis.get(cacheKey("session", hashToken(token)));
    if (!cached) throw new Error("the session is not in the cache after registration");
    const floorPrefix = cacheKey("floor", "session", "");
    const { profile: _profile, ...session } = JSON.parse(cached) as Record<string, unknown>;
    await redis.set(floorPrefix + hashToken(token), JSON.stringify({ ...session, user: me.body.user }), "EX", 600);
    floor = await startFloor(redis, floorPrefix);

    const headers = { authorization: `Bearer ${token}` };
    const targets = { app: `${api.url}/me`, floor: `${floor.url}/me` };
    progress(
      "me-vs-floor",
      `${WARMUP_SECONDS} s warm-up each, then ${SLICES} alternating slices of ${SLICE_SECONDS} s each, ${CONNECTIONS} connections`,
    );
    for (const url of Object.values(targets))
      await load(url, { seconds: WARMUP_SECONDS, connections: CONNECTIONS, headers });
    // Alternating short slices rather than one long run each: background load on a shared 2-core
    // box comes and goes within seconds and would otherwise land on one side only.
    const slices = { app: [] as Slice[], floor: [] as Slice[] };
    for (let i = 0; i < SLICES; i++) {
      for (const side of i % 2 === 0 ? (["app", "floor"] as const) : (["floor", "app"] as const)) {
        // The server runs in this process (autocannon does not): its CPU a request says where a gap comes from.
        const before = process.cpuUsage();
        const result = await load(targets[side], { seconds: SLICE_SECONDS, connections: CONNECTIONS, headers });
        const used = process.cpuUsage(before);
        slices[side].push({ ...result, cpuMicros: used.user + used.system });
      }
    }
    const app = combine(slices.app);
    const bare = combine(slices.floor);
    return [
      {
        name: "me-vs-floor",
        figures:
          `GET /me ${count(app.reqPerSec)} req/s p99 ${fixed(app.p99, 1)} ms | ` +
          `floor ${count(bare.reqPerSec)} req/s p99 ${fixed(bare.p99, 1)} ms`,
        // Information only: this is the local emulator's HTTP server in front of the handler, not
        // what ships. The deployed path's figure and target are me-handler's.
        ratio: app.reqPerSec / bare.reqPerSec,
        ratioOf: "app/floor req/s",
        note:
          `local emulator over HTTP, for information (the target is me-handler's); ${CONNECTIONS} connections, ${SLICES} × ${SLICE_SECONDS} s each; p50 ${fixed(app.p50, 1)} vs ${fixed(bare.p50, 1)} ms (autocannon's ms resolution, median of slices); ` +
          `server CPU ${fixed(app.cpuMicrosPerRequest, 0)} vs ${fixed(bare.cpuMicrosPerRequest, 0)} µs a request; ${count(app.total)} vs ${count(bare.total)} requests`,
      },
    ];
  } finally {
    floor?.server.close();
    redis.disconnect();
    await api.close();
  }
}
