import { createHash, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import pg from "pg";
import { uuidv7 } from "uuidv7";
import type { AuditAction, AuditEvent } from "@voxguard/core/audit";
import { AUDIT_COLUMNS } from "../core/audit/columns.ts";
import { startApi, type TestApi } from "../test-support/http.ts";
import { signUp } from "../test-support/identity.ts";
import { count, fixed, ms, progress, summarize, type BenchResult } from "./report.ts";

const EVENTS = 100_000;
const BATCH = 100;
const TARGET = 0.8;
const CHANGES = 50;
const POLL_MS = 10;
const VISIBILITY_TIMEOUT_MS = 30_000;
const QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:voxguard-audit";

const ACTIONS: AuditAction[] = [
  "resource.created",
  "resource.updated",
  "resource.deleted",
  "member.added",
  "org.updated",
  "auth.login",
];

/** Events with the variety the trail really holds: several users and orgs, before/after details. */
function makeEvents(userIds: string[], orgIds: string[]): AuditEvent[] {
  const start = Date.now() - EVENTS * 10;
  return Array.from(
    { length: EVENTS },
    (_, i): AuditEvent => ({
      id: uuidv7(),
      orgId: orgIds[i % orgIds.length]!,
      userId: userIds[i % userIds.length]!,
      action: ACTIONS[i % ACTIONS.length]!,
      resourceType: "resource",
      resourceId: randomUUID(),
      details: {
        type: "voice.agent",
        before: { name: `resource ${i}`, status: "active" },
        after: {
          name: `resource ${i} renamed`,
          status: i % 7 === 0 ? "disabled" : "active",
          config: { region: "eu-west-1", replicas: i % 5 },
        },
      },
      ipAddress: `203.0.113.${i % 250}`,
      createdAt: new Date(start + i * 10).toISOString(),
    }),
  );
}

/** What the event source mapping hands the consumer (see local/queue-poller.ts toRecord). */
function toSqsEvent(events: AuditEvent[]): SQSEvent {
  const now = String(Date.now());
  return {
    Records: events.map((event): SQSRecord => {
      const body = JSON.stringify(event);
      return {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: now,
          SenderId: "AIDABENCH",
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: QUEUE_ARN,
        awsRegion: "us-east-1",
      };
    }),
  };
}

/** The floor: one plain multi-row INSERT a batch, nothing parsed, validated or deduplicated. */
async function rawInsert(client: pg.Client, batch: AuditEvent[]): Promise<void> {
  const values: unknown[] = [];
  const rows = batch.map((e, row) => {
    values.push(
      e.id,
      e.orgId,
      e.userId,
      e.action,
      e.resourceType,
      e.resourceId,
      JSON.stringify(e.details),
      e.ipAddress,
      e.createdAt,
    );
    return `(${AUDIT_COLUMNS.map((_, column) => `$${row * AUDIT_COLUMNS.length + column + 1}`).join(", ")})`;
  });
  await client.query(`INSERT INTO audit_log (${AUDIT_COLUMNS.join(", ")}) VALUES ${rows.join(", ")}`, values);
}

async function stored(client: pg.Client): Promise<number> {
  return (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log")).rows[0]!.n;
}

async function throughput(client: pg.Client): Promise<BenchResult> {
  const { handler } = await import("../functions/queue/audit-consumer.ts");

  const users = await client.query<{ id: string }>(
    `INSERT INTO users (email, display_name) SELECT 'bench-audit-' || i || '@example.test', 'Bench' FROM generate_series(1, 20) AS i RETURNING id`,
  );
  const orgIds = Array.from({ length: 10 }, () => randomUUID());
  const events = makeEvents(
    users.rows.map((row) => row.id),
    orgIds,
  );
  // The floor writes the same rows under ids of its own, so both sides can share one table.
  const floorEvents = events.map((event) => ({ ...event, id: uuidv7() }));
  const batches: AuditEvent[][] = [];
  const floorBatches: AuditEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    batches.push(events.slice(i, i + BATCH));
    floorBatches.push(floorEvents.slice(i, i + BATCH));
  }
  // Built before the clock starts: serializing for the queue is the producer's cost, not the consumer's.
  const sqsEvents = batches.map(toSqsEvent);
  await client.query("TRUNCATE audit_log");
  await client.query("VACUUM (ANALYZE) audit_log");

  // Batch by batch, alternating which side goes first: both meet the same table size and the same
  // background load (on a shared 2-core box other work comes and goes within seconds).
  let consumerMs = 0;
  let floorMs = 0;
  progress(
    "audit-consumer",
    `${count(EVENTS)} events through the consumer and ${count(EVENTS)} by raw INSERT, batches of ${BATCH}, interleaved`,
  );
  for (let i = 0; i < batches.length; i++) {
    const consume = async () => {
      const started = performance.now();
      const answer = await handler(sqsEvents[i]!);
      consumerMs += performance.now() - started;
      if (answer.batchItemFailures.length > 0)
        throw new Error(`the consumer failed ${answer.batchItemFailures.length} records`);
    };
    const insert = async () => {
      const started = performance.now();
      await rawInsert(client, floorBatches[i]!);
      floorMs += performance.now() - started;
    };
    if (i % 2 === 0) {
      await consume();
      await insert();
    } else {
      await insert();
      await consume();
    }
  }
  const n = await stored(client);
  if (n !== 2 * EVENTS) throw new Error(`audit_log holds ${n} rows, not ${2 * EVENTS}`);
  await client.query("TRUNCATE audit_log");

  const consumerRate = (EVENTS / consumerMs) * 1000;
  const floorRate = (EVENTS / floorMs) * 1000;
  return {
    name: "audit-consumer",
    figures: `consumer ${count(consumerRate)} events/s | raw INSERT ${count(floorRate)} events/s (${count(EVENTS)} events each, batches of ${BATCH})`,
    ratio: consumerRate / floorRate,
    ratioOf: "consumer/floor events/s",
    target: { op: ">=", value: TARGET },
    note: `consumer ${ms(consumerMs)} (${fixed(consumerMs / batches.length, 2)} ms a batch), floor ${ms(floorMs)} (${fixed(floorMs / batches.length, 2)} ms a batch); no Quickwit configured`,
  };
}

interface Pipeline {
  api: TestApi;
  queueUrl: string;
  close(): Promise<void>;
}

/** The dev setup (`npm run dev`): fauxqs queue, local server, and the poller into the consumer. */
async function startPipeline(): Promise<Pipeline> {
  const { startLocalQueue } = await import("../local/queue.ts");
  const { reloadConfig } = await import("@voxguard/core/config");
  const saved = { ...process.env };
  const queue = await startLocalQueue({ env: process.env, visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_MS / 1000 });
  if (!queue?.queues) throw new Error("no local audit queue was started");
  reloadConfig();
  const api = await startApi();
  return {
    api,
    queueUrl: queue.queues.queueUrl,
    async close() {
      await api.close();
      await queue.close();
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      reloadConfig();
    },
  };
}

async function visibility(pipeline: Pipeline, windowMs: number): Promise<number[]> {
  const { startQueuePoller } = await import("../local/queue-poller.ts");
  const { handler } = await import("../functions/queue/audit-consumer.ts");
  const { api, queueUrl } = pipeline;
  const poller = startQueuePoller({
    queueUrl,
    handler,
    batchSize: BATCH,
    batchWindowMs: windowMs,
    waitTimeSeconds: 20,
  });
  try {
    const { token } = await signUp(api);
    const org = await api.request("POST", "/orgs", {
      token,
      body: { name: "Bench Audit", slug: `bench-audit-${randomUUID()}` },
    });
    if (org.status !== 201) throw new Error(`POST /orgs answered ${org.status}`);
    const orgId: string = org.body.org.id;

    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const created = await api.request("POST", `/orgs/${orgId}/resources`, {
        token,
        body: { type: "voice.agent", name: `agent ${i}` },
      });
      if (created.status !== 201)
        throw new Error(`POST resources answered ${created.status}: ${JSON.stringify(created.body)}`);
      // From the change's answer: the change is committed and the client has seen it succeed.
      const changedAt = performance.now();
      const resourceId: string = created.body.resource.id;
      for (;;) {
        const trail = await api.request("GET", `/orgs/${orgId}/audit?resourceId=${resourceId}&limit=1`, { token });
        if (trail.status !== 200) throw new Error(`GET audit answered ${trail.status}`);
        if (trail.body.items.length > 0) break;
        if (performance.now() - changedAt > VISIBILITY_TIMEOUT_MS)
          throw new Error(`change ${i} not visible after ${VISIBILITY_TIMEOUT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      latencies.push(performance.now() - changedAt);
    }
    return latencies;
  } finally {
    await poller.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const results = [await throughput(client)];

    const pipeline = await startPipeline();
    try {
      for (const windowMs of [1_000, 0]) {
        progress("audit-consumer", `visibility of ${CHANGES} changes, poller batch window ${windowMs} ms`);
        const s = summarize(await visibility(pipeline, windowMs));
        results.push({
          name: `audit-visibility-${windowMs}ms`,
          figures: `change → GET /orgs/{orgId}/audit p50 ${ms(s.p50)} p99 ${ms(s.p99)} (max ${ms(s.max)}, ${s.n} changes)`,
          note:
            windowMs > 0
              ? `SQS batch window ${fixed(windowMs / 1000, 0)} s as \`npm run dev\` polls; deployed it is 5 s (infra/queue.ts), which adds the difference`
              : `no batch window: the pipeline's own cost (SendMessageBatch, receive, consumer INSERT, query), polled every ${POLL_MS} ms`,
        });
      }
    } finally {
      await pipeline.close();
    }
    return results;
  } finally {
    await client.end();
  }
}
