import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { config, reloadConfig } from "@voxguard/core/config";
import { createAuditQueues, startFauxqs } from "../local/queue.ts";

export interface LocalAws {
  /** http://127.0.0.1:<port>: the SQS and S3 endpoint both. */
  endpoint: string;
  sqs: SQSClient;
  s3: S3Client;
  /** A queue whose messages move to `<name>-dlq` after `maxReceiveCount` receives. */
  createQueue(
    name: string,
    options?: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number },
  ): Promise<{ queueUrl: string; dlqUrl: string }>;
  createBucket(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Runs fauxqs in a child process, so what it stores doesn't count in this process's memory. */
  separateProcess?: boolean;
}

// Plain JavaScript, so the child needs no TypeScript loader; its queue URLs are unused here.
const CHILD = `
import { buildApp } from "fauxqs";
const app = buildApp({ logger: false });
await app.listen({ port: 0, host: "127.0.0.1" });
console.log(JSON.stringify({ port: app.server.address().port }));
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
`;

async function listen(separateProcess: boolean): Promise<{ port: number; close(): Promise<void> }> {
  if (!separateProcess) {
    const server = await startFauxqs();
    return { port: Number(new URL(server.endpoint).port), close: server.close };
  }
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], {
    cwd: import.meta.dirname,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fauxqs exited with ${code}`)));
  });
  return {
    port: (JSON.parse(line) as { port: number }).port,
    async close() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * fauxqs (SQS + S3) on a free port of 127.0.0.1 only, as the local server starts it. Sets the SDK's
 * endpoint variables and dummy credentials for this process.
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const server = await listen(options.separateProcess ?? false);
  const endpoint = `http://127.0.0.1:${server.port}`;
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  process.env.AWS_ENDPOINT_URL_SQS = endpoint;
  process.env.AWS_ENDPOINT_URL_S3 = endpoint;
  reloadConfig();
  const sqs = new SQSClient({ endpoint, useQueueUrlAsEndpoint: false });
  const s3 = new S3Client({ endpoint, forcePathStyle: true });
  return {
    endpoint,
    sqs,
    s3,
    async createQueue(name, options = {}) {
      const queues = await createAuditQueues({
        endpoint,
        region: process.env.AWS_REGION!,
        queueName: name,
        deadLetterQueueName: `${name}-dlq`,
        ...options,
      });
      return { queueUrl: queues.queueUrl, dlqUrl: queues.deadLetterQueueUrl };
    },
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async close() {
      sqs.destroy();
      s3.destroy();
      await server.close();
    },
  };
}

/**
 * Local S3 with the configured export bucket, for tests that export. No audit queue: events are
 * written through, so a request's trail is in the database when it answers.
 */
export async function startExportStorage(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const aws = await startLocalAws(options);
  delete process.env.AUDIT_QUEUE_URL;
  reloadConfig();
  await aws.createBucket(config().s3Bucket);
  return aws;
}
