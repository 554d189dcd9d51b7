import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { log } from "@voxguard/core/log";
import { gatewayError, newRequestId, toEvent, toResponse, writeAnswer } from "./api-gateway.ts";
import { loadHandler, type LambdaHandler } from "./handler-loader.ts";
import { createContext, functionNameFor, localRegion } from "./lambda-context.ts";
import { answerRequestId, problemAnswer } from "./problem.ts";
import { createRouter, type LocalRouteTable } from "./router.ts";

export interface LocalServerOptions {
  routes: LocalRouteTable;
  port?: number;
  host?: string;
  /** The repo root: handler specs ("functions/x/y.handler") are relative to it. */
  rootDir: string;
  /**
   * Bodies up to this size reach the handler (which enforces the API's own, smaller limit and
   * answers 413 itself); larger ones get the emulator's 413 without an invocation.
   */
  maxBodyBytes?: number;
  /** The function timeout handed to the context; a handler still running after it gets API Gateway's 502. */
  timeoutMs?: number;
}

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
// HTTP API's own payload limit: past it the connection is cut rather than drained.
const DRAIN_LIMIT = 10 * 1024 * 1024;
// SST's default function timeout.
const DEFAULT_TIMEOUT_MS = 20_000;

interface ReadBody {
  body: Buffer;
  tooLarge: boolean;
  /** The client kept sending past what we are willing to drain. */
  aborted: boolean;
}

const NO_BODY: ReadBody = { body: Buffer.alloc(0), tooLarge: false, aborted: false };

/** HTTP/1.1 framing: a request carries a body only with a Content-Length above 0 or a Transfer-Encoding. */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let seen = 0;
    req.on("data", (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > DRAIN_LIMIT) {
        req.removeAllListeners("data");
        req.pause();
        resolve({ body: Buffer.alloc(0), tooLarge: true, aborted: true });
        return;
      }
      // Keep one byte past the limit, enough to know it was crossed; drain the rest.
      if (kept <= limit) {
        const room = limit + 1 - kept;
        const part = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
        chunks.push(part);
        kept += part.byteLength;
      }
    });
    req.on("end", () => resolve({ body: Buffer.concat(chunks), tooLarge: kept > limit, aborted: false }));
    req.on("error", reject);
  });
}

interface WarmFunction {
  functionName: string;
  handler: LambdaHandler;
}

interface Invocation {
  deadline: number;
  fail: (error: Error) => void;
}

/**
 * Fails invocations that outlive the function timeout, with one timer for all of them rather than
 * a timer, a race and a finally a request (~3 µs of a request's CPU; this costs ~1).
 * Every invocation gets the same timeout, so deadlines come in start order: the oldest invocation
 * still running is the only one the timer has to wait for.
 */
function createDeadlines(ms: number) {
  // A Set iterates in insertion order, so its first entry is that oldest invocation.
  const running = new Set<Invocation>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  function expire(): void {
    timer = undefined;
    const now = performance.now();
    for (const invocation of running) {
      if (invocation.deadline > now) {
        arm(invocation.deadline - now);
        return;
      }
      running.delete(invocation);
      invocation.fail(new Error(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`));
    }
  }

  function arm(delay: number): void {
    // Unref'd: what keeps the process alive is the server and its connections, as before.
    timer = setTimeout(expire, Math.max(1, Math.ceil(delay)));
    timer.unref();
  }

  return function withTimeout<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const invocation: Invocation = { deadline: performance.now() + ms, fail: reject };
      running.add(invocation);
      // A finished invocation leaves the timer as it is: when it fires it skips ahead to the then
      // oldest one, so a steady stream of requests costs about one timer per timeout period.
      if (!timer) arm(ms);
      promise.then(
        (value) => {
          running.delete(invocation);
          resolve(value);
        },
        (error: unknown) => {
          running.delete(invocation);
          reject(error);
        },
      );
    });
  };
}

/** Serves a route table on node:http the way API Gateway (HTTP API, payload 2.0) calls Lambda. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const router = createRouter(options.routes);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const withTimeout = createDeadlines(timeoutMs);
  // Read once: process.env is a lookup in the C++ environment on every access.
  const region = localRegion();
  // A warm function's handler and name, so its requests skip the loader's lookup and an await.
  // Only loads that succeeded land here: loadHandler retries failed ones.
  const warm = new Map<string, WarmFunction>();

  async function warmUp(spec: string): Promise<WarmFunction> {
    const fn = { functionName: functionNameFor(spec), handler: await loadHandler(options.rootDir, spec) };
    warm.set(spec, fn);
    return fn;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gatewayRequestId = newRequestId();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const rawPath = query === -1 ? url : url.slice(0, query);
    const write = { requestId: gatewayRequestId, method };

    const found = router.lookup(method, rawPath);
    if (found.kind !== "found") {
      req.resume();
      const requestId = answerRequestId(req.headers["x-request-id"], gatewayRequestId);
      const answer =
        found.kind === "not_found"
          ? problemAnswer(404, "not_found", `No route for ${method} ${rawPath}`, requestId)
          : problemAnswer(405, "method_not_allowed", `${rawPath} does not accept ${method}`, requestId, [
              "allow",
              found.allow.join(", "),
            ]);
      writeAnswer(answer, res, write);
      return;
    }

    // Most calls are bodiless GETs: they skip the listeners and the wait. Node drains an unread
    // request itself once the answer is written.
    const { body, tooLarge, aborted } = hasBody(req) ? await readBody(req, maxBody) : NO_BODY;
    if (tooLarge) {
      const requestId = answerRequestId(req.headers["x-request-id"], gatewayRequestId);
      res.setHeader("connection", "close");
      writeAnswer(
        problemAnswer(413, "payload_too_large", `The body is larger than ${maxBody} bytes`, requestId),
        res,
        write,
      );
      if (aborted) res.on("finish", () => req.socket.destroy());
      return;
    }

    const spec = found.route.handler;
    const event = toEvent(req, body, found.match, { requestId: gatewayRequestId });
    let result: unknown;
    try {
      const fn = warm.get(spec) ?? (await warmUp(spec));
      // After the load: like Lambda's init, it doesn't count against the invocation's timeout.
      const context = createContext({ functionName: fn.functionName, timeoutMs, region });
      result = await withTimeout(Promise.resolve(fn.handler(event, context)));
    } catch (error) {
      // Lambda reports the failure to API Gateway, which hides it behind a bare 502.
      log.error("function failed", { routeKey: found.match.routeKey, handler: spec, error: error as Error });
      writeAnswer(gatewayError(502), res, write);
      return;
    }
    toResponse(result, res, write);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error("local server failed", { error: error as Error });
      if (!res.headersSent) writeAnswer(gatewayError(500), res);
      else res.destroy();
    });
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        // Requests still in flight get a moment to finish, then their connections are cut.
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      }),
  };
}
