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
