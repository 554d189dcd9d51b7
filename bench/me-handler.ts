import { hash, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { Redis } from "ioredis";
import pg from "pg";
import { count, fixed, median, progress, type BenchResult } from "./report.ts";

/**
 * GET /me as it ships: the Lambda handler (functions/me/get.ts) invoked in this process with API
 * Gateway payload 2.0 events, one at a time as a Lambda instance runs them, on its own database
 * pool and cache client (the app's module-level ones, as in a Lambda instance). Against it, the
 * floor: the same event, the bearer token hashed, one cache GET, the JSON answer, no framework.
 * No HTTP on either side: the emulator's figure (me-vs-floor) is information only.
 */

const WARMUP_MS = 2_000;
const PAIRS = 10;
const SLICE_MS = 1_000;
const TARGET = 0.7;

type Result = APIGatewayProxyStructuredResultV2;
type Invoke = (event: APIGatewayProxyEventV2, context: Context) => Promise<Result>;

/**
 * What API Gateway sends for a request to this route (HTTP API, payload 2.0). A new object for
 * every invocation, as the runtime parses one, with its own request id; the rest is the same.
 */
function eventsFor(
  routeKey: string,
  rawPath: string,
  token: string | undefined,
  body?: string,
): () => APIGatewayProxyEventV2 {
  const now = Date.now();
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-length": String(body ? Buffer.byteLength(body) : 0),
    host: "api.example.test",
    "user-agent": "bench/1.0",
    "x-amzn-trace-id": `Root=1-${Math.floor(now / 1000).toString(16)}-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
    "x-forwarded-for": "203.0.113.10",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
  };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers["content-type"] = "application/json";
  const method = routeKey.split(" ", 1)[0]!;
  const time = new Date(now).toUTCString();
  return () => {
    const event: APIGatewayProxyEventV2 = {
      version: "2.0",
      routeKey,
      rawPath,
      rawQueryString: "",
      headers: { ...headers },
      requestContext: {
        accountId: "123456789012",
        apiId: "bench",
        domainName: "api.example.test",
        domainPrefix: "api",
        http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.10", userAgent: "bench/1.0" },
        requestId: randomUUID(),
        routeKey,
        stage: "$default",
        time,
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    };
    if (body) event.body = body;
    return event;
  };
}

const remaining = () => 30_000;
const nothing = () => undefined;

/** The Lambda context: a new one an invocation, as the runtime makes it. */
function contextFor(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "bench",
    getRemainingTimeInMillis: remaining,
    done: nothing,
    fail: nothing,
    succeed: nothing,
  };
}

interface Slice {
  ops: number;
  ms: number;
  cpuMicros: number;
}

/** Invokes one after another for `ms`, each answer checked: a failing side would look fast. */
async function slice(invoke: () => Promise<Result>, ms: number): Promise<Slice> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + ms;
  let ops = 0;
  let now = started;
  while (now < until) {
    const result = await invoke();
    if (result.statusCode !== 200) throw new Error(`answered ${result.statusCode}: ${result.body}`);
    ops++;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return { ops, ms: now - started, cpuMicros: used.user + used.system };
}

function combine(slices: Slice[]) {
  const ops = slices.reduce((sum, s) => sum + s.ops, 0);
  const ms = slices.reduce((sum, s) => sum + s.ms, 0);
  return {
    ops,
    perSecond: (ops / ms) * 1000,
    microsPerOp: (ms * 1000) / ops,
    cpuMicrosPerOp: slices.reduce((sum, s) => sum + s.cpuMicros, 0) / ops,
  };
}

export async function run(): Promise<BenchResult[]> {
  const { handler: register } = (await import("../functions/auth/register.ts")) as unknown as { handler: Invoke };
  const { handler: me } = (await import("../functions/me/get.ts")) as unknown as { handler: Invoke };
  const { cacheKey } = await import("@voxguard/core/cache");
  const { hashToken } = await import("@voxguard/core/session");

  // A real session: registered through its own handler, so the row and the cache entry are the ones production writes.
  const credentials = JSON.stringify({
    email: `bench-${randomUUID()}@example.test`,
    password: "correct horse battery staple",
    displayName: "Bench User",
  });
  const registered = await register(
    eventsFor("POST /auth/register", "/auth/register", undefined, credentials)(),
    contextFor("register"),
  );
  if (registered.statusCode !== 201) throw new Error(`register answered ${registered.statusCode}: ${registered.body}`);
  const { token } = JSON.parse(registered.body!) as { token: string };

  const redis = new Redis(process.env.REDIS_URL!);
  // Counts the handler's database statements: a cache command that timed out (a starved process
  // on a loaded box) sends the handler to the database for a second, which the figure then
  // includes. Counting only, the statements run as they are.
  const query = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
    statements++;
    return query.apply(this, args);
  } as typeof query;
  try {
    const meEvent = eventsFor("GET /me", "/me", token);
    const first = await me(meEvent(), contextFor("me"));
    if (first.statusCode !== 200) throw new Error(`GET /me answered ${first.statusCode}: ${first.body}`);
    // The floor reads the app's own cached session plus the user it answers with, so both sides
    // read and write about the same bytes (`user` stands in for the session's copy of the profile).
    const cached = await redis.get(cacheKey("session", hashToken(token)));
    if (!cached) throw new Error("the session is not in the cache after GET /me");
    const floorPrefix = cacheKey("floor", "session", "");
    const { profile: _profile, ...session } = JSON.parse(cached) as Record<string, unknown>;
    const { user } = JSON.parse(first.body!) as { user: unknown };
    await redis.set(floorPrefix + hashToken(token), JSON.stringify({ ...session, user }), "EX", 600);

    const floor: Invoke = async (event) => {
      const bearer = /^Bearer (.+)$/.exec(event.headers.authorization ?? "")?.[1];
      if (!bearer) return { statusCode: 401 };
      const raw = await redis.get(floorPrefix + hash("sha256", bearer, "hex"));
      if (!raw) return { statusCode: 401 };
      const body = JSON.stringify({ user: (JSON.parse(raw) as { user: unknown }).user });
      return { statusCode: 200, headers: { "content-type": "application/json" }, body };
    };
    const sides = {
      handler: () => me(meEvent(), contextFor("me")),
      floor: () => floor(meEvent(), contextFor("floor")),
    };

    progress(
      "me-handler",
      `${WARMUP_MS / 1000} s warm-up each, then ${PAIRS} pairs of ${SLICE_MS / 1000} s slices, one invocation at a time`,
    );
    await slice(sides.handler, WARMUP_MS);
    await slice(sides.floor, WARMUP_MS);
    // Pairs of short slices back to back, the order alternating, and the ratio the median of the
    // pairs' own: background load on a shared box comes and goes within seconds, and a pair sees
    // about the same load on both sides.
    const slices = { handler: [] as Slice[], floor: [] as Slice[] };
    const ratios: number[] = [];
    const before = statements;
    for (let i = 0; i < PAIRS; i++) {
      const pair = {} as Record<keyof typeof sides, Slice>;
      for (const side of i % 2 === 0 ? (["handler", "floor"] as const) : (["floor", "handler"] as const)) {
        pair[side] = await slice(sides[side], SLICE_MS);
        slices[side].push(pair[side]);
      }
      ratios.push(pair.handler.ops / pair.handler.ms / (pair.floor.ops / pair.floor.ms));
    }
    const fallbacks = statements - before;
    const app = combine(slices.handler);
    const bare = combine(slices.floor);
    const sorted = [...ratios].sort((x, y) => x - y);
    return [
      {
        name: "me-handler",
        figures: `GET /me handler ${count(app.perSecond)} ops/s (${fixed(app.microsPerOp, 0)} µs) | floor ${count(bare.perSecond)} ops/s (${fixed(bare.microsPerOp, 0)} µs)`,
        ratio: median(ratios),
        ratioOf: "handler/floor ops/s, median of pairs",
        target: { op: ">=", value: TARGET },
        note:
          `payload 2.0 events in process, one at a time; ${PAIRS} pairs × ${SLICE_MS / 1000} s; pair ratios ${fixed(sorted[0]!, 2)}–${fixed(sorted.at(-1)!, 2)}, ` +
          `of all invocations ${fixed(app.perSecond / bare.perSecond, 2)}; CPU ${fixed(app.cpuMicrosPerOp, 0)} vs ${fixed(bare.cpuMicrosPerOp, 0)} µs an invocation; ${count(app.ops)} vs ${count(bare.ops)} invocations; ` +
          `${fallbacks === 0 ? "every handler invocation answered from the cache" : `${count(fallbacks)} database statements from handler invocations the cache did not answer`}`,
      },
    ];
  } finally {
    pg.Client.prototype.query = query;
    redis.disconnect();
  }
}
