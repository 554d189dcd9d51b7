import { createHash, createHmac } from "node:crypto";

/**
 * AWS Signature Version 4 for a request with a body and no query string, the only kind this
 * service sends (SQS's JSON protocol). Written here rather than taken from the SDK: the SDK's
 * client with its credential chain is ~340 KB of bundle and tens of ms of cold start in every
 * function that sends an audit event (README, "Dependencies").
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignableRequest {
  method: string;
  url: URL;
  /** Lower-case names. `host` and the `x-amz-*` date and token headers are added. */
  headers: Record<string, string>;
  body: string;
}

export interface SigningScope {
  service: string;
  region: string;
  credentials: Credentials;
  now?: Date;
}

const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding of one path segment, as SigV4 wants it (every byte but unreserved ones). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(decodeURIComponent(segment)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The request's headers with `authorization` and what it signs. */
export function sign(
  request: SignableRequest,
  { service, region, credentials, now = new Date() }: SigningScope,
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, host: request.url.host, "x-amz-date": amzDate };
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(";");
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, " ")}\n`).join("");
  const canonicalPath = request.url.pathname.split("/").map(encodeSegment).join("/") || "/";
  const canonicalRequest = [
    request.method,
    canonicalPath,
    "",
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join("\n");

  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/** The function's own credentials: Lambda puts its role's keys in these variables. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
  } = env;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken } : undefined;
}
