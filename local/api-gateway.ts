import { randomFillSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { LOCAL_ACCOUNT_ID } from "./lambda-context.ts";

export { createContext, functionNameFor } from "./lambda-context.ts";

/** What the router found for a request: the route key and the values of its path variables. */
export interface RouteMatch {
  routeKey: string;
  pathParameters?: Record<string, string>;
}

export interface EventOptions {
  requestId?: string;
  now?: Date;
}

const API_ID = "local";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// randomBytes costs several µs a call and a request made two (~7% of the emulator's CPU): ids
// come from this pool instead, one fill of which serves a few hundred requests.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** Where `n` fresh random bytes start in `pool`. */
function takeRandom(n: number): number {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += n;
  return start;
}

/** API Gateway's request id looks like "LV7fzho-PHcEJPw=": 11 random bytes in URL-safe base64. */
export function newRequestId(): string {
  const start = takeRandom(11);
  return `${pool.toString("base64url", start, start + 11)}=`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

// Requests in the same second share the text rather than formatting it again each.
let clfSecond = Number.NaN;
let clfText = "";

/** "21/Apr/2020:15:08:21 +0000", the CLF time API Gateway puts in requestContext.time. */
export function clfTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== clfSecond) {
    const date = new Date(epochMs);
    clfText =
      `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
      `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
    clfSecond = second;
  }
  return clfText;
}

/**
 * HTTP APIs pass text bodies as they are and base64-encode everything else, a missing content
 * type included (form posts arrive base64-encoded too).
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (type.startsWith("text/")) return true;
  return /^application\/((.+\+)?(json|xml)|javascript|ecmascript)$/.test(type);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A malformed escape reaches the handler as sent rather than failing the whole request.
    return value;
  }
}

/** Repeated keys are joined with commas, values decoded, as payload 2.0 does. */
export function parseQueryString(raw: string): Record<string, string> | undefined {
  if (raw === "") return undefined;
  const params: Record<string, string> = {};
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeComponent(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? "" : decodeComponent(part.slice(eq + 1));
    if (key === "") continue;
    params[key] = Object.hasOwn(params, key) ? `${params[key]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

function sourceIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "127.0.0.1";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

function traceId(epochMs: number): string {
  const start = takeRandom(12);
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${pool.toString("hex", start, start + 12)}`;
}

// Clients send the same Host on every request: the last one's domain name is kept.
let lastHost = "";
let lastDomainName = "";

function domainNameOf(host: string): string {
  if (host !== lastHost) {
    lastDomainName = host.replace(/:\d+$/, "");
    lastHost = host;
  }
  return lastDomainName;
}

/**
 * The APIGatewayProxyEventV2 an HTTP API (payload format 2.0) would send for this request.
 * Headers come from rawHeaders so repeats are joined with "," exactly as API Gateway joins them
 * (node's own join uses ", " and drops repeats of some headers); cookies leave the headers for
 * the cookies array.
 */
export function toEvent(
  req: IncomingMessage,
  body: Buffer,
  match: RouteMatch,
  options: EventOptions = {},
): APIGatewayProxyEventV2 {
  const epochMs = options.now?.getTime() ?? Date.now();
  const requestId = options.requestId ?? newRequestId();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQueryString = q === -1 ? "" : url.slice(q + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === "cookie") {
      for (const cookie of value.split(";")) {
        const trimmed = cookie.trim();
        if (trimmed) cookies.push(trimmed);
      }
      continue;
    }
    // API Gateway re-frames the body, so handlers always see its real length, never chunked
    // encoding. Skipped here rather than deleted after: a delete turns the object into a slow one.
    if (name === "transfer-encoding" || name === "content-length") continue;
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]},${value}` : value;
  }
  const ip = sourceIp(req);
  headers["content-length"] = String(body.byteLength);
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${ip}` : ip;
  headers["x-forwarded-port"] = String(req.socket.localPort ?? 80);
  headers["x-forwarded-proto"] = "http";
  headers["x-amzn-trace-id"] ??= traceId(epochMs);

  const domainName = domainNameOf(headers.host ?? "localhost");
  const text = isTextContentType(headers["content-type"]);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split(".")[0]!,
      http: {
        method: req.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: ip,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: match.routeKey,
      stage: "$default",
      time: clfTime(epochMs),
      timeEpoch: epochMs,
    },
    isBase64Encoded: body.byteLength > 0 && !text,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const query = parseQueryString(rawQueryString);
  if (query) event.queryStringParameters = query;
  if (match.pathParameters && Object.keys(match.pathParameters).length > 0) event.pathParameters = match.pathParameters;
  if (body.byteLength > 0) event.body = text ? body.toString("utf8") : body.toString("base64");
  return event;
}

/** A handler answer turned into what API Gateway writes on the wire. */
export interface HttpAnswer {
  statusCode: number;
  /** Name, value, name, value…: the flat list writeHead takes. Names in lower case. */
  headers: string[];
  /**
   * Text stays a string: node then sends it in one write with the head, where a Buffer costs a
   * conversion and a gathered write.
   */
  body: string | Buffer;
}

/** The function answered something API Gateway can't turn into a response: it answers 502. */
export class MalformedResultError extends Error {
  override name = "MalformedResultError";
}

function isStructured(
  result: unknown,
): result is APIGatewayProxyStructuredResultV2 & { multiValueHeaders?: Record<string, unknown> } {
  return typeof result === "object" && result !== null && !Array.isArray(result) && "statusCode" in result;
}

function headerValue(value: unknown, name: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new MalformedResultError(`header ${name} is neither a string, a number nor a boolean`);
}

/**
 * Payload 2.0's response rules: a result with statusCode is used as given (cookies become
 * Set-Cookie headers, base64 bodies are decoded); anything else is the body of a 200
 * application/json answer, a string as it is, other values serialized to JSON.
 */
export function normalizeResult(result: unknown): HttpAnswer {
  if (!isStructured(result)) {
    const body = typeof result === "string" ? result : (JSON.stringify(result) ?? "null");
    return { statusCode: 200, headers: ["content-type", "application/json"], body };
  }
  const { statusCode } = result;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedResultError(`statusCode ${String(statusCode)} is not an HTTP status`);
  }
  const headers: string[] = [];
  // for…in rather than Object.entries: no array a header on every answer.
  const single = result.headers ?? {};
  for (const name in single) {
    if (Object.hasOwn(single, name)) headers.push(name.toLowerCase(), headerValue(single[name], name));
  }
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    if (!Array.isArray(values)) throw new MalformedResultError(`multiValueHeaders.${name} is not an array`);
    for (const value of values) headers.push(name.toLowerCase(), headerValue(value, name));
  }
  if (result.cookies !== undefined) {
    if (!Array.isArray(result.cookies)) throw new MalformedResultError("cookies is not an array");
    for (const cookie of result.cookies) headers.push("set-cookie", headerValue(cookie, "cookies"));
  }
  const { body } = result;
  if (body !== undefined && body !== null && typeof body !== "string") {
    throw new MalformedResultError("body is not a string");
  }
  if (!body) return { statusCode, headers, body: "" };
  return { statusCode, headers, body: result.isBase64Encoded ? Buffer.from(body, "base64") : body };
}

export interface WriteOptions {
  requestId?: string;
  /** HEAD answers carry headers only. */
  method?: string;
}

/** Writes an answer the way API Gateway sends it, with its apigw-requestid header. */
export function writeAnswer(answer: HttpAnswer, res: ServerResponse, options: WriteOptions = {}): void {
  // One flat name/value list for writeHead rather than a setHeader a header: half the cost, and
  // the same bytes on the wire. Headers set on `res` before (connection: close) are kept by writeHead.
  const flat: string[] = [];
  const { headers } = answer;
  for (let h = 0; h + 1 < headers.length; h += 2) {
    const name = headers[h]!;
    const value = headers[h + 1]!;
    // Connection management is the gateway's business, not the function's.
    if (name === "content-length" || name === "transfer-encoding" || name === "connection") continue;
    // Repeats are joined with ",", except cookies, which stay a Set-Cookie line each.
    let at = -1;
    if (name !== "set-cookie") {
      for (let i = 0; i < flat.length; i += 2) {
        if (flat[i] === name) {
          at = i + 1;
          break;
        }
      }
    }
    if (at === -1) flat.push(name, value);
    else flat[at] += `,${value}`;
  }
  if (options.requestId) flat.push("apigw-requestid", options.requestId);
  // HTTP forbids a body (and a length) on 204 and 304.
  if (answer.statusCode === 204 || answer.statusCode === 304) {
    res.writeHead(answer.statusCode, flat);
    res.end();
    return;
  }
  flat.push("content-length", String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.statusCode, flat);
  res.end(options.method === "HEAD" ? undefined : answer.body);
}

/** API Gateway's own answer when the function failed, timed out or answered garbage. */
export function gatewayError(statusCode: 500 | 502 | 503): HttpAnswer {
  const message = { 500: "Internal Server Error", 502: "Internal Server Error", 503: "Service Unavailable" }[
    statusCode
  ];
  return {
    statusCode,
    headers: ["content-type", "application/json"],
    body: JSON.stringify({ message }),
  };
}

/** Converts a handler's result and writes it; a result API Gateway would reject becomes its 502. */
export function toResponse(result: unknown, res: ServerResponse, options: WriteOptions = {}): void {
  let answer: HttpAnswer;
  try {
    answer = normalizeResult(result);
  } catch (error) {
    if (!(error instanceof MalformedResultError)) throw error;
    answer = gatewayError(502);
  }
  writeAnswer(answer, res, options);
}
