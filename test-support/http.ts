import { request } from "node:http";
import path from "node:path";
import { routes } from "../functions/routes.ts";
import { startLocalServer } from "../local/server.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields of the answer they asserted the status of
export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, without JSON encoding (malformed-body tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestApi {
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: as ApiAnswer
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer<T>>;
  close(): Promise<void>;
}

/** The route table served by the local API Gateway emulator on a free port, as clients see it. */
export async function startApi(): Promise<TestApi> {
  const server = await startLocalServer({ routes, port: 0, rootDir: path.resolve(import.meta.dirname, "..") });
  return {
    url: server.url,
    close: () => server.close(),
    async request(method, target, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers["content-type"] ??= "application/json";
      }
      const response = await fetch(new URL(target, server.url), { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: the test sees the raw text.
      }
      return { status: response.status, headers: response.headers, body: parsed as never };
    },
  };
}

export interface SourcedAnswer<T = unknown> {
  status: number;
  retryAfter: string | undefined;
  body: T;
}

/** A JSON POST sent from a loopback address of our choosing: API Gateway's sourceIp is the peer address. */
export function postFrom<T = unknown>(
  api: Pick<TestApi, "url">,
  localAddress: string,
  target: string,
  body: unknown,
  token?: string,
): Promise<SourcedAnswer<T>> {
  const url = new URL(target, api.url);
  const payload = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
  };
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", localAddress, headers },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers["retry-after"] as string | undefined,
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
