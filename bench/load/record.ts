// What the clients saw: every request's sample, the audit events owed, and when the faults hit.
import { performance } from "node:perf_hooks";
import { REQUEST_TIMEOUT_MS } from "./settings.ts";

export interface Sample {
  route: string;
  /** Milliseconds since the load started. */
  start: number;
  end: number;
  /** 0: no HTTP answer at all (connection error or client timeout). */
  status: number;
  code?: string;
}

export const samples: Sample[] = [];
/** Audit events the clients' successful changes must have produced, by action. */
export const expected = new Map<string, number>();
let t0 = 0;
export const now = () => performance.now() - t0;

export function owe(action: string): void {
  expected.set(action, (expected.get(action) ?? 0) + 1);
}

export interface Timeline {
  redisStop?: number;
  redisBack?: number;
  pgStop?: number;
  pgDown?: number;
  pgReady?: number;
}

export const timeline: Timeline = {};

let baseUrl = "";

/** Starts the clock the samples are timed on, against the API at `url`. */
export function startRecording(url: string): void {
  baseUrl = url;
  t0 = performance.now();
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the load client reads the answer it asked for; its shape is the tests' business
  body: any;
}

export async function call(route: string, target: string, token?: string, body?: unknown): Promise<Answer> {
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
    // biome-ignore lint/suspicious/noExplicitAny: as Answer.body
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
