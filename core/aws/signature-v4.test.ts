import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
// The SDK's own signer and request type, installed with the SQS client the local server uses.
import { HttpRequest } from "@smithy/core/transport";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { credentialsFromEnv, sign, type Credentials } from "./signature-v4.ts";

const credentials: Credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const now = new Date("2026-11-27T15:04:05.678Z");

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** The SDK's hash interface over node:crypto: a plain SHA-256, or an HMAC when given a key. */
class Sha256 {
  #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

/** The SDK's signer, the one every AWS client uses, on the same request. */
async function sdkHeaders(
  url: URL,
  headers: Record<string, string>,
  body: string,
  creds: Credentials,
  region: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: "sqs",
    region,
    credentials: creds,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers: { ...headers, host: url.host },
    body,
  });
  const signed = await signer.sign(request, { signingDate: now });
  return signed.headers;
}

describe("SigV4 signing", () => {
  const body = JSON.stringify({
    QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/voxguard-audit",
    Entries: [{ Id: "a", MessageBody: '{"x":"ü"}' }],
  });
  const headers = { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessageBatch" };

  it("signs exactly as the AWS SDK does", async () => {
    const url = new URL("https://sqs.eu-west-1.amazonaws.com/");
    const ours = sign(
      { method: "POST", url, headers, body },
      { service: "sqs", region: "eu-west-1", credentials, now },
    );
    const sdk = await sdkHeaders(url, headers, body, credentials, "eu-west-1");
    expect(ours.authorization).toBe(sdk.authorization);
    expect(ours["x-amz-date"]).toBe("20261127T150405Z");
  });

  it("signs a session token and a non-default port as the SDK does", async () => {
    const url = new URL("http://127.0.0.1:4566/");
    const withToken = { ...credentials, sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE" };
    const ours = sign(
      { method: "POST", url, headers, body },
      { service: "sqs", region: "us-east-1", credentials: withToken, now },
    );
    const sdk = await sdkHeaders(url, headers, body, withToken, "us-east-1");
    expect(ours.authorization).toBe(sdk.authorization);
    expect(ours["x-amz-security-token"]).toBe(withToken.sessionToken);
  });

  it("changes the signature when the body changes", () => {
    const url = new URL("https://sqs.eu-west-1.amazonaws.com/");
    const a = sign({ method: "POST", url, headers, body }, { service: "sqs", region: "eu-west-1", credentials, now });
    const b = sign(
      { method: "POST", url, headers, body: `${body} ` },
      { service: "sqs", region: "eu-west-1", credentials, now },
    );
    expect(a.authorization).not.toBe(b.authorization);
  });

  it("reads the function's credentials from Lambda's variables, and none when they are missing", () => {
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" })).toEqual({
      accessKeyId: "a",
      secretAccessKey: "s",
      sessionToken: "t",
    });
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: "a" })).toBeUndefined();
  });
});
