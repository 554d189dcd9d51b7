import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";

export interface FauxqsServer {
  /** http://127.0.0.1:<port>, the SQS and S3 endpoint at once. */
  endpoint: string;
  close(): Promise<void>;
}

type FauxqsStores = NonNullable<NonNullable<Parameters<typeof buildApp>[0]>["stores"]>;

/**
 * fauxqs's stores, built here rather than by buildApp(): its SqsStore names queues
 * http://sqs.<region>.localhost:<port>/..., a host getaddrinfo doesn't resolve, and SDK clients
 * dial the queue URL's host. With `host` cleared it names them after the request's Host header,
 * http://127.0.0.1:<port>/..., which every client reaches. The package exports only its entry, so
 * the store classes are loaded by file from the pinned version's dist/.
 */
async function createStores(): Promise<FauxqsStores> {
  const require = createRequire(import.meta.url);
  const dist = (require.resolve.paths("fauxqs") ?? [])
    .map((modules) => path.join(modules, "fauxqs", "dist"))
    .find((candidate) => existsSync(path.join(candidate, "sqs", "sqsStore.js")));
  if (!dist) throw new Error("fauxqs's dist/sqs/sqsStore.js was not found: has the fauxqs layout changed?");
  const load = (file: string) => import(pathToFileURL(path.join(dist, file)).href);
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    load("sqs/sqsStore.js"),
    load("sns/snsStore.js"),
    load("s3/s3Store.js"),
  ]);
  const sqsStore = new SqsStore();
  sqsStore.host = "";
  return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
}

/**
 * fauxqs's own startFauxqs() listens on 0.0.0.0; the app is built the same way here but bound to
 * loopback so a dev machine never exposes its queue and bucket to the network.
 */
export async function startFauxqs(options: { port?: number } = {}): Promise<FauxqsServer> {
  const app = buildApp({ logger: false, stores: await createStores() });
  await app.listen({ port: options.port ?? 0, host: "127.0.0.1" });
  const { port } = app.server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface AuditQueueOptions {
  endpoint: string;
  region: string;
  queueName?: string;
  deadLetterQueueName?: string;
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
}

export interface AuditQueues {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** The audit queue and its dead-letter queue, wired with a redrive policy as infra/queue.ts deploys them. */
export async function createAuditQueues(options: AuditQueueOptions): Promise<AuditQueues> {
  const sqs = new SQSClient({ endpoint: options.endpoint, region: options.region, credentials: LOCAL_CREDENTIALS });
  try {
    const arnOf = async (queueUrl: string) => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
      );
      if (!Attributes?.QueueArn) throw new Error(`no ARN for ${queueUrl}`);
      return Attributes.QueueArn;
    };
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: options.deadLetterQueueName ?? "voxguard-audit-dlq" }),
    );
    const deadLetterQueueUrl = dlq.QueueUrl!;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: options.queueName ?? "voxguard-audit",
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await arnOf(deadLetterQueueUrl),
            maxReceiveCount: String(options.maxReceiveCount ?? 5),
          }),
        },
      }),
    );
    const queueUrl = queue.QueueUrl!;
    return { queueUrl, queueArn: await arnOf(queueUrl), deadLetterQueueUrl };
  } finally {
    sqs.destroy();
  }
}

export async function createBucket(options: { endpoint: string; region: string; bucket: string }): Promise<void> {
  const s3 = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
  } finally {
    s3.destroy();
  }
}

export interface LocalQueue {
  endpoint: string;
  /** Set when this process created the queue (AUDIT_QUEUE_URL was unset). */
  queues?: AuditQueues;
  /** Set when this process created the mail queue (MAIL_QUEUE_URL was unset). */
  mailQueues?: AuditQueues;
  /** Set when this process created the bucket (AWS_ENDPOINT_URL_S3 was unset). */
  bucket?: string;
  close(): Promise<void>;
}

export interface LocalQueueOptions {
  /** The environment to read and complete; process.env unless a test passes its own. */
  env?: NodeJS.ProcessEnv;
  maxReceiveCount?: number;
  visibilityTimeoutSeconds?: number;
}

/**
 * With no audit queue or no S3 endpoint configured, starts fauxqs on loopback, creates what is
 * missing (queue voxguard-audit with dead-letter queue voxguard-audit-dlq after 5 receives, bucket
 * voxguard-exports) and points the environment at it, the way SST links would in AWS.
 * Returns undefined when both are configured already.
 */
export async function startLocalQueue(options: LocalQueueOptions = {}): Promise<LocalQueue | undefined> {
  const env = options.env ?? process.env;
  const needQueue = !env.AUDIT_QUEUE_URL;
  const needS3 = !env.AWS_ENDPOINT_URL_S3;
  const needMailQueue = !env.MAIL_QUEUE_URL;
  if (!needQueue && !needS3 && !needMailQueue) return undefined;

  const server = await startFauxqs();
  try {
    env.AWS_REGION ??= env.AWS_DEFAULT_REGION ?? "us-east-1";
    // fauxqs accepts any credentials; without some the SDK refuses to sign at all.
    if (!env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) {
      env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
      env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
    }
    const region = env.AWS_REGION;
    const local: LocalQueue = { endpoint: server.endpoint, close: server.close };
    if (needQueue) {
      local.queues = await createAuditQueues({
        endpoint: server.endpoint,
        region,
        maxReceiveCount: options.maxReceiveCount,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      });
      env.AUDIT_QUEUE_URL = local.queues.queueUrl;
      env.AWS_ENDPOINT_URL_SQS = server.endpoint;
    }
    if (needMailQueue) {
      // The same shape as the audit queue: a dead-letter queue after 5 receives (infra/mail.ts).
      local.mailQueues = await createAuditQueues({
        endpoint: server.endpoint,
        region,
        queueName: "voxguard-mail",
        deadLetterQueueName: "voxguard-mail-dlq",
        maxReceiveCount: options.maxReceiveCount,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      });
      env.MAIL_QUEUE_URL = local.mailQueues.queueUrl;
      env.AWS_ENDPOINT_URL_SQS = server.endpoint;
    }
    if (needS3) {
      local.bucket = env.S3_BUCKET || "voxguard-exports";
      await createBucket({ endpoint: server.endpoint, region, bucket: local.bucket });
      env.S3_BUCKET = local.bucket;
      env.AWS_ENDPOINT_URL_S3 = server.endpoint;
    }
    return local;
  } catch (error) {
    await server.close();
    throw error;
  }
}
