import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from "@aws-sdk/client-sqs";
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from "aws-lambda";
import { log } from "@voxguard/core/log";
import { createContext } from "./lambda-context.ts";

export type SqsHandler = (event: SQSEvent, context: Context) => unknown;

export interface QueuePollerOptions {
  queueUrl: string;
  handler: SqsHandler;
  /** Defaults to a client from the environment (AWS_REGION, AWS_ENDPOINT_URL_SQS). */
  client?: SQSClient;
  /** The event source mapping's BatchSize. */
  batchSize?: number;
  /** Its MaximumBatchingWindowInSeconds, in milliseconds. */
  batchWindowMs?: number;
  /** Long-poll wait while the queue is empty, 1–20 s. */
  waitTimeSeconds?: number;
  functionName?: string;
  /** The function timeout handed to the context. */
  timeoutMs?: number;
}

export interface QueuePoller {
  /** Resolves once the loop has ended and any batch in hand has been handled. */
  stop(): Promise<void>;
}

// Lambda's synchronous invocation payload limit; the event source mapping cuts batches to fit it.
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

function toMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((bytes) => Buffer.from(bytes).toString("base64")),
      dataType: value.DataType ?? "String",
    };
  }
  return result;
}

/** One SQS message as the Lambda event source mapping hands it over (aws-lambda-go's sqs-event.json shape). */
export function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  const record: SQSRecord = {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    } satisfies SQSRecordAttributes,
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(":")[3] ?? "",
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/**
 * The message ids to delete after an invocation, by the event source mapping's rules for
 * ReportBatchItemFailures: no response, null or empty batchItemFailures → all succeeded; an
 * itemIdentifier that is empty, null or not in the batch → the whole batch failed.
 */
export function succeededIds(batch: SQSRecord[], response: unknown): string[] {
  const ids = batch.map((record) => record.messageId);
  if (response === undefined || response === null || typeof response !== "object") return ids;
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return ids;
  if (!Array.isArray(failures)) return [];
  const failed = new Set<string>();
  for (const failure of failures) {
    const id: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "" || !ids.includes(id)) return [];
    failed.add(id);
  }
  return ids.filter((id) => !failed.has(id));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "AbortedError");
}

/**
 * Long-polls a queue into an SQS handler the way Lambda's event source mapping does: batches of
 * up to `batchSize` records gathered for at most `batchWindowMs`, one invocation a batch, then the
 * records not reported in batchItemFailures are deleted. A throwing handler deletes nothing: the
 * whole batch comes back after the visibility timeout and, past maxReceiveCount, goes to the DLQ.
 */
export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const client = options.client ?? new SQSClient({});
  const ownsClient = !options.client;
  const batchSize = options.batchSize ?? 100;
  const windowMs = options.batchWindowMs ?? 1_000;
  const waitTimeSeconds = Math.min(20, Math.max(1, options.waitTimeSeconds ?? 20));
  const functionName = options.functionName ?? "voxguard-audit-consumer";
  const timeoutMs = options.timeoutMs ?? 30_000;
  let stopping = false;
  let receiving: AbortController | undefined;

  async function receive(max: number, wait: number): Promise<Message[]> {
    receiving = new AbortController();
    try {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
        { abortSignal: receiving.signal },
      );
      return Messages ?? [];
    } finally {
      receiving = undefined;
    }
  }

  async function gather(): Promise<Message[]> {
    const batch: Message[] = [];
    let bytes = 0;
    let deadline = Infinity;
    while (!stopping && batch.length < batchSize && bytes < MAX_PAYLOAD_BYTES) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      // Empty queue: one long poll. Once the window is open, only waits that fit inside it.
      const wait = batch.length === 0 ? waitTimeSeconds : Math.min(waitTimeSeconds, Math.floor(remaining / 1000));
      let messages: Message[];
      try {
        messages = await receive(batchSize - batch.length, wait);
      } catch (error) {
        if (stopping && isAbort(error)) break;
        throw error;
      }
      if (messages.length > 0 && batch.length === 0) deadline = Date.now() + windowMs;
      for (const message of messages) {
        // A visibility timeout shorter than the window hands a message out twice; only the newest
        // receipt handle can still delete it.
        const again = batch.findIndex((held) => held.MessageId === message.MessageId);
        if (again !== -1) {
          batch[again] = message;
          continue;
        }
        batch.push(message);
        bytes += Buffer.byteLength(message.Body ?? "");
      }
      if (messages.length === 0 && batch.length > 0 && wait === 0) await sleep(Math.min(50, remaining));
    }
    return batch;
  }

  async function deliver(queueArn: string, messages: Message[]): Promise<void> {
    const records = messages.map((message) => toRecord(message, queueArn));
    const context = createContext({ functionName, timeoutMs });
    let response: unknown;
    try {
      response = await options.handler({ Records: records }, context);
    } catch (error) {
      log.error("queue handler failed; the batch will be redelivered", {
        functionName,
        records: records.length,
        error: error as Error,
      });
      return;
    }
    const succeeded = new Set(succeededIds(records, response));
    const toDelete = records.filter((record) => succeeded.has(record.messageId));
    for (let i = 0; i < toDelete.length; i += 10) {
      const chunk = toDelete.slice(i, i + 10);
      const result = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      if (result.Failed?.length) log.warn("could not delete processed messages", { failed: result.Failed.length });
    }
  }

  async function queueArn(): Promise<string> {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ["QueueArn"] }),
    );
    if (!Attributes?.QueueArn) throw new Error(`queue ${options.queueUrl} has no ARN`);
    return Attributes.QueueArn;
  }

  async function loop(): Promise<void> {
    let arn: string | undefined;
    while (!stopping) {
      try {
        arn ??= await queueArn();
        const batch = await gather();
        // A batch already received is handled even when stopping: it would otherwise sit invisible.
        if (batch.length > 0) await deliver(arn, batch);
      } catch (error) {
        if (stopping && isAbort(error)) break;
        log.error("queue poller failed; retrying", { queueUrl: options.queueUrl, error: error as Error });
        await sleep(1_000);
      }
    }
  }

  const running = loop().finally(() => {
    if (ownsClient) client.destroy();
  });

  return {
    stop() {
      stopping = true;
      receiving?.abort();
      return running;
    },
  };
}
