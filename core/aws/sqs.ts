import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { config } from "../config/index.ts";
import { credentialsFromEnv, sign, type Credentials } from "./signature-v4.ts";
import { AwsError } from "./error.ts";

/**
 * The two SQS calls the functions make (SendMessageBatch, GetQueueAttributes), over SQS's JSON
 * protocol, signed with the function's role. The SDK stays for the local server and the tests;
 * functions use this so their bundles carry no AWS client (see signature-v4.ts).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html
 */

export type SqsAction = "SendMessageBatch" | "GetQueueAttributes";

export interface SendMessageBatchEntry {
  Id: string;
  MessageBody: string;
}

export interface SendMessageBatchOutput {
  Successful?: { Id: string; MessageId: string }[];
  Failed?: { Id: string; Code: string; SenderFault: boolean; Message?: string }[];
}

export class SqsError extends AwsError {
  override name = "SqsError";
}

const CONNECT_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** One retry: a queue that doesn't answer costs the request little before events are written through. */
const MAX_ATTEMPTS = 2;

const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };

/** AWS_ENDPOINT_URL_SQS (the local server, the tests), else the queue URL's own host. */
function endpointFor(queueUrl: string): URL {
  return new URL("/", config().aws.sqsEndpoint ?? queueUrl);
}

function regionFor(endpoint: URL): string {
  const fromHost = /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(endpoint.hostname)?.[1];
  return config().aws.region ?? fromHost ?? "us-east-1";
}

export interface Answer {
  status: number;
  body: string;
}

/** One POST over keep-alive agents, with connect and request timeouts. */
export function post(url: URL, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(
      url,
      { method: "POST", headers, agent: agents[url.protocol as keyof typeof agents], timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("socket", (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => request.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })),
        CONNECT_TIMEOUT_MS,
      );
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error("request timeout"), { code: "ETIMEDOUT" })));
    request.on("error", reject);
    request.end(body);
  });
}

function errorOf(answer: Answer): SqsError {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const code = parsed.__type?.split("#").pop() ?? `HTTP${answer.status}`;
  return new SqsError(parsed.message ?? parsed.Message ?? `SQS answered ${answer.status}`, answer.status, code);
}

/** One call; a network failure or a 5xx is tried once more. Credentials default to the environment's. */
export async function callSqs<T>(
  action: SqsAction,
  input: { QueueUrl: string } & Record<string, unknown>,
  credentials: Credentials | undefined = credentialsFromEnv(),
): Promise<T> {
  if (!credentials) throw new SqsError("no AWS credentials in the environment", undefined, "CredentialsMissing");
  const endpoint = endpointFor(input.QueueUrl);
  const body = JSON.stringify(input);
  for (let attempt = 1; ; attempt++) {
    const headers = sign(
      {
        method: "POST",
        url: endpoint,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${action}` },
        body,
      },
      { service: "sqs", region: regionFor(endpoint), credentials },
    );
    let answer: Answer;
    try {
      answer = await post(endpoint, { ...headers, "content-length": String(Buffer.byteLength(body)) }, body);
    } catch (cause) {
      if (attempt < MAX_ATTEMPTS) continue;
      const error = cause as NodeJS.ErrnoException;
      throw new SqsError(`SQS unreachable: ${error.message}`, undefined, error.code ?? "NetworkError");
    }
    if (answer.status >= 200 && answer.status < 300) return (answer.body ? JSON.parse(answer.body) : {}) as T;
    if (answer.status >= 500 && attempt < MAX_ATTEMPTS) continue;
    throw errorOf(answer);
  }
}
