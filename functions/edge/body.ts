import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { VisibleError } from "@voxguard/core/error";

export const MAX_BODY_BYTES = 64 * 1024;

/** The request body as JSON, or undefined when there is none. Limits come before any parsing. */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new VisibleError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const contentType = event.headers?.["content-type"] ?? "";
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new VisibleError("unsupported_media_type", "Send the body as application/json");
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new VisibleError("invalid_json", "The body is not valid JSON");
  }
}
