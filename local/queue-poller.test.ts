import { createHash, randomUUID } from "node:crypto";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createAuditQueues,
  startFauxqs,
  startLocalQueue,
  type AuditQueues,
  type FauxqsServer,
  type LocalQueue,
} from "./queue.ts";
import { queueDepth } from "../test-support/queue-depth.ts";
import { until } from "../test-support/until.ts";
import { startQueuePoller, succeededIds, type QueuePoller, type SqsHandler } from "./queue-poller.ts";

const REGION = "us-east-1";

let fauxqs: FauxqsServer;
let sqs: SQSClient;
const pollers: QueuePoller[] = [];

beforeAll(async () => {
  fauxqs = await startFauxqs();
  sqs = new SQSClient({
    endpoint: fauxqs.endpoint,
    region: REGION,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  sqs.destroy();
  await fauxqs.close();
});

/** A fresh queue pair per test: retries come back after 2 s, and a message failed twice goes to the DLQ. */
function queues(): Promise<AuditQueues> {
  const name = `audit-${randomUUID().slice(0, 8)}`;
  return createAuditQueues({
    endpoint: fauxqs.endpoint,
    region: REGION,
    queueName: name,
    deadLetterQueueName: `${name}-dlq`,
    maxReceiveCount: 2,
    visibilityTimeoutSeconds: 2,
  });
}

function poll(queueUrl: string, handler: SqsHandler): void {
  // A window well inside the visibility timeout, as Lambda requires of a real mapping.
  pollers.push(startQueuePoller({ queueUrl, handler, client: sqs, waitTimeSeconds: 1, batchWindowMs: 300 }));
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const entries = bodies.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

const messagesLeft = (queueUrl: string) => queueDepth(sqs, queueUrl);

// Field names of AWS's published SQS event sample (aws/aws-lambda-go events/testdata/sqs-event.json).
const RECORD_FIELDS = [
  "messageId",
  "receiptHandle",
  "body",
  "md5OfBody",
  "md5OfMessageAttributes",
  "eventSourceARN",
  "eventSource",
  "awsRegion",
  "attributes",
  "messageAttributes",
];
const RECORD_ATTRIBUTES = ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"];

describe("startQueuePoller", () => {
  it("hands messages over in the event source mapping's SQS event shape", async () => {
    const { queueUrl, queueArn } = await queues();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"action":"org.created"}',
        MessageAttributes: {
          Attribute1: { DataType: "String", StringValue: "AttributeValue1" },
          Attribute3: { DataType: "Binary", BinaryValue: Buffer.from("1100") },
        },
      }),
    );
    const events: SQSEvent[] = [];
    poll(queueUrl, async (event) => {
      events.push(event);
    });
    await until("the event", () => events.length === 1);

    const [record] = events[0]!.Records as [SQSRecord];
    expect(events[0]!.Records).toHaveLength(1);
    expect(Object.keys(record).sort()).toEqual([...RECORD_FIELDS].sort());
    expect(Object.keys(record.attributes).sort()).toEqual([...RECORD_ATTRIBUTES].sort());
    expect(record.body).toBe('{"action":"org.created"}');
    expect(record.md5OfBody).toBe(createHash("md5").update(record.body).digest("hex"));
    expect(record.eventSource).toBe("aws:sqs");
    expect(record.eventSourceARN).toBe(queueArn);
    expect(record.awsRegion).toBe(REGION);
    expect(record.attributes.ApproximateReceiveCount).toBe("1");
    expect(record.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(record.messageAttributes).toEqual({
      Attribute1: { stringValue: "AttributeValue1", stringListValues: [], binaryListValues: [], dataType: "String" },
      Attribute3: { binaryValue: "MTEwMA==", stringListValues: [], binaryListValues: [], dataType: "Binary" },
    });
    await until("the delete", async () => (await messagesLeft(queueUrl)) === 0);
  });

  it("gathers more than one receive's worth into a batch", async () => {
    const { queueUrl } = await queues();
    await send(
      queueUrl,
      Array.from({ length: 25 }, (_, i) => `m${i}`),
    );
    const sizes: number[] = [];
    poll(queueUrl, async (event) => {
      sizes.push(event.Records.length);
    });
    await until("all 25 messages", () => sizes.reduce((a, b) => a + b, 0) === 25);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
    // The poller deletes a batch after its handler returned: wait for that, don't race it.
    await until("an empty queue", async () => (await messagesLeft(queueUrl)) === 0);
  });

  it("deletes what succeeded and redelivers only the batchItemFailures", async () => {
    const { queueUrl } = await queues();
    await send(queueUrl, ["ok-1", "fail-once", "ok-2"]);
    const seen: Array<{ body: string; receiveCount: string }> = [];
    poll(queueUrl, async (event): Promise<SQSBatchResponse> => {
      const failures: SQSBatchResponse["batchItemFailures"] = [];
      for (const record of event.Records) {
        seen.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
        if (record.body === "fail-once" && record.attributes.ApproximateReceiveCount === "1") {
          failures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures: failures };
    });
    await until("the redelivery", () => seen.some((entry) => entry.body === "fail-once" && entry.receiveCount === "2"));
    await until("an empty queue", async () => (await messagesLeft(queueUrl)) === 0);
    expect(seen.filter((entry) => entry.body === "ok-1")).toEqual([{ body: "ok-1", receiveCount: "1" }]);
    expect(seen.filter((entry) => entry.body === "ok-2")).toEqual([{ body: "ok-2", receiveCount: "1" }]);
    expect(seen.filter((entry) => entry.body === "fail-once").map((entry) => entry.receiveCount)).toEqual(["1", "2"]);
  });

  it("deletes nothing when the handler throws", async () => {
    const { queueUrl } = await queues();
    await send(queueUrl, ["a", "b"]);
    const deliveries: string[][] = [];
    poll(queueUrl, async (event) => {
      deliveries.push(event.Records.map((record) => `${record.body}@${record.attributes.ApproximateReceiveCount}`));
      if (deliveries.length === 1) throw new Error("the whole batch fails");
    });
    await until("the retried batch", async () => deliveries.length === 2 && (await messagesLeft(queueUrl)) === 0);
    expect(deliveries[0]!.sort()).toEqual(["a@1", "b@1"]);
    expect(deliveries[1]!.sort()).toEqual(["a@2", "b@2"]);
  });

  it("moves a message that keeps failing to the dead-letter queue after maxReceiveCount", async () => {
    const { queueUrl, deadLetterQueueUrl } = await queues();
    await send(queueUrl, ["poison", "fine"]);
    const attempts: string[] = [];
    poll(queueUrl, async (event): Promise<SQSBatchResponse> => {
      const poison = event.Records.filter((record) => record.body === "poison");
      attempts.push(...poison.map((record) => record.attributes.ApproximateReceiveCount));
      return { batchItemFailures: poison.map((record) => ({ itemIdentifier: record.messageId })) };
    });
    let dead: string[] = [];
    await until("the dead-letter queue", async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
      );
      dead = dead.concat((Messages ?? []).map((message) => message.Body ?? ""));
      return dead.length > 0;
    });
    expect(dead).toEqual(["poison"]);
    expect(attempts).toEqual(["1", "2"]);
    expect(await messagesLeft(queueUrl)).toBe(0);
  });

  it("treats an unknown itemIdentifier as a failure of the whole batch", () => {
    const batch = [{ messageId: "a" }, { messageId: "b" }] as SQSRecord[];
    expect(succeededIds(batch, undefined)).toEqual(["a", "b"]);
    expect(succeededIds(batch, { batchItemFailures: [] })).toEqual(["a", "b"]);
    expect(succeededIds(batch, { batchItemFailures: null })).toEqual(["a", "b"]);
    expect(succeededIds(batch, { batchItemFailures: [{ itemIdentifier: "b" }] })).toEqual(["a"]);
    expect(succeededIds(batch, { batchItemFailures: [{ itemIdentifier: "zzz" }] })).toEqual([]);
    expect(succeededIds(batch, { batchItemFailures: [{ itemIdentifier: "" }] })).toEqual([]);
    expect(succeededIds(batch, { batchItemFailures: [{}] })).toEqual([]);
  });

  it("stops while idle in a long poll", async () => {
    const { queueUrl } = await queues();
    // The same client, telling when the poller's long poll is in flight and how it ended.
    let polling!: () => void;
    const inPoll = new Promise<void>((resolve) => (polling = resolve));
    let ended: string | undefined;
    const client = Object.create(sqs) as SQSClient;
    client.send = ((command: unknown, ...rest: unknown[]) => {
      const sent = (sqs.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      if (command instanceof ReceiveMessageCommand) {
        sent.then(
          () => (ended = "answered"),
          (error: Error) => (ended = error.name),
        );
        polling();
      }
      return sent;
    }) as SQSClient["send"];
    const poller = startQueuePoller({ queueUrl, client, waitTimeSeconds: 20, handler: async () => {} });
    await inPoll;
    await expect(poller.stop()).resolves.toBeUndefined();
    // Cut short, not waited out.
    expect(ended).toBe("AbortError");
  });
});

/** A queue's redrive policy, read through the local stack's own endpoint. */
async function redrivePolicy(
  endpoint: string,
  queueUrl: string,
): Promise<{ maxReceiveCount: string | number; deadLetterTargetArn: string }> {
  const client = new SQSClient({ region: REGION, endpoint, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
    );
    return JSON.parse(Attributes!.RedrivePolicy!);
  } finally {
    client.destroy();
  }
}

/** Starts the local queues into `env`, runs `check` on what started, and closes it again. */
async function withLocalQueue(env: NodeJS.ProcessEnv, check: (local: LocalQueue | undefined) => Promise<void>) {
  const local = await startLocalQueue({ env });
  try {
    await check(local);
  } finally {
    await local?.close();
  }
}

describe("startLocalQueue", () => {
  it("creates the audit queue, its DLQ and the bucket, and points the environment at them", async () => {
    const env: NodeJS.ProcessEnv = {};
    await withLocalQueue(env, async (local) => {
      expect(local).toBeDefined();
      expect(env.AUDIT_QUEUE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d{12}\/voxguard-audit$/);
      expect(env.AWS_ENDPOINT_URL_SQS).toBe(local!.endpoint);
      expect(env.AWS_ENDPOINT_URL_S3).toBe(local!.endpoint);
      expect(env.S3_BUCKET).toBe("voxguard-exports");
      expect(env.AWS_REGION).toBe("us-east-1");
      const redrive = await redrivePolicy(local!.endpoint, env.AUDIT_QUEUE_URL!);
      expect(Number(redrive.maxReceiveCount)).toBe(5);
      expect(redrive.deadLetterTargetArn).toMatch(/:voxguard-audit-dlq$/);
    });
  });

  it("creates the mail queue with its DLQ too", async () => {
    const env: NodeJS.ProcessEnv = {
      AUDIT_QUEUE_URL: "http://example.test/q",
      AWS_ENDPOINT_URL_S3: "http://example.test",
    };
    await withLocalQueue(env, async (local) => {
      expect(env.MAIL_QUEUE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d{12}\/voxguard-mail$/);
      expect(env.AUDIT_QUEUE_URL).toBe("http://example.test/q");
      expect((await redrivePolicy(local!.endpoint, env.MAIL_QUEUE_URL!)).deadLetterTargetArn).toMatch(
        /:voxguard-mail-dlq$/,
      );
    });
  });

  it("starts nothing when the queues and an S3 endpoint are configured", async () => {
    const env: NodeJS.ProcessEnv = {
      AUDIT_QUEUE_URL: "http://example.test/q",
      MAIL_QUEUE_URL: "http://example.test/m",
      AWS_ENDPOINT_URL_S3: "http://example.test",
    };
    expect(await startLocalQueue({ env })).toBeUndefined();
  });
});
