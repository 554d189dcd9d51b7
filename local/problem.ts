import type { HttpAnswer } from "./api-gateway.ts";

const TITLE: Record<number, string> = {
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
};

// The same rule the edge applies, so a client's request id survives a 404 from the emulator too.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id an answer reports: the client's x-request-id when acceptable, else API Gateway's. */
export function answerRequestId(incoming: string | string[] | undefined, gatewayRequestId: string): string {
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : gatewayRequestId;
}

/**
 * An RFC 9457 answer for what the emulator decides before any handler runs (no route, wrong
 * method, body too large), shaped like the edge's own problems.
 */
export function problemAnswer(
  status: 404 | 405 | 413,
  code: "not_found" | "method_not_allowed" | "payload_too_large",
  detail: string,
  requestId: string,
  extraHeaders: string[] = [],
): HttpAnswer {
  const problem = { type: "about:blank", title: TITLE[status], status, detail, code, requestId };
  return {
    statusCode: status,
    headers: [
      "content-type",
      "application/problem+json",
      "x-request-id",
      requestId,
      "cache-control",
      "no-store",
      "x-content-type-options",
      "nosniff",
      ...extraHeaders,
    ],
    body: JSON.stringify(problem),
  };
}
