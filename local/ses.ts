import type { AddressInfo } from "node:net";
import * as SesLocal from "aws-ses-v2-local";

export interface LocalSes {
  /** http://127.0.0.1:<port>: the SES v2 API (AWS_ENDPOINT_URL_SESV2) and its web inbox at `/`. */
  endpoint: string;
  close(): Promise<void>;
}

type Start = (config?: { host?: string; port?: number }) => Promise<import("node:http").Server>;

/**
 * aws-ses-v2-local on loopback: SES v2's SendEmail (and v1's) answered like SES, every message kept
 * in memory and shown at `/` (JSON at `/store`). It keeps its store per process, so everything
 * started in one process shares one inbox.
 */
export async function startLocalSes(options: { port?: number } = {}): Promise<LocalSes> {
  // A CommonJS module whose export is `default`; under ESM that arrives one level down.
  const start = (SesLocal as unknown as { default: Start | { default: Start } }).default;
  const server = await (typeof start === "function" ? start : start.default)({
    host: "127.0.0.1",
    port: options.port ?? 0,
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
