import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { SQSEvent } from "aws-lambda";
import pg from "pg";
import { uuidv7 } from "uuidv7";
import type { AuditEvent } from "@voxguard/core/audit";
import { startLocalAws } from "../test-support/fauxqs.ts";
import { count, fixed, ms, percentile, progress, type BenchResult } from "./report.ts";

const ORGS = 1_000;
const EVENTS = 100_000;
const CONSUMER_EVENTS = 40_000;
const ROUNDS = 8;
const BATCH = 100;
const SCHEDULE_S = 60;
/** The consumer's SQS batch window deployed (infra/queue.ts): an event waits for it before it is stored. */
const QUEUE_WINDOW_S = 5;
/** The steady load the lag is stated for: 60,000 events a minute. */
const DESIGN_RATE = 1_000;

/** 100,000 events over 1,000 organizations, made by the database. */
async function seedBacklog(client: pg.Client): Promise<void> {
  await client.query(`
    INSERT INTO audit_log (id, org_id, user_id, action, resource_type, resource_id, details, ip_address, created_at)
    SELECT gen_random_uuid(), orgs.id, NULL, 'resource.updated', 'sensor', gen_random_uuid(),
           jsonb_build_object('n', g, 'name', 'sensor ' || g, 'after', jsonb_build_object('status', 'active', 'replicas', g % 5)),
           ('10.0.' || (g / 256) % 256 || '.' || g % 256)::inet,
           now() - interval '1 minute' + g * interval '0.5 millisecond'
    FROM generate_series(1, ${EVENTS}) g
    JOIN (SELECT row_number() OVER () - 1 AS n, gen_random_uuid() AS id FROM generate_series(1, ${ORGS})) orgs ON orgs.n = g % ${ORGS}`);
  // Listed for the sealer, as the consumer lists what it stores.
  await client.query("INSERT INTO audit_unsealed (event_id, org_id, created_at) SELECT id, org_id, created_at FROM audit_log");
}

async function sealBacklog(client: pg.Client): Promise<{ result: BenchResult; sealMs: number }> {
  const { sealPending } = await import("@voxguard/core/audit-seal");
  const { reloadConfig, config } = await import("@voxguard/core/config");
  const aws = await startLocalAws();
  try {
    process.env.AWS_ENDPOINT_URL_S3 = aws.endpoint;
    reloadConfig();
    await aws.createBucket(config().s3Bucket);
    await seedBacklog(client);
    await client.query("VACUUM (ANALYZE) audit_log, audit_unsealed");
    progress("audit-seal", `sealing ${count(EVENTS)} events of ${count(ORGS)} organizations, digests to the local bucket`);
    const started = performance.now();
    const run = await sealPending({ publish: true });
    const sealMs = performance.now() - started;
    const left = (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_unsealed")).rows[0]!.n;
    if (left !== 0 || run.events !== EVENTS) throw new Error(`sealed ${run.events}, ${left} left unsealed`);
    return {
      sealMs,
      result: {
        name: "audit-seal:100k",
        figures: `${count(EVENTS)} events / ${count(ORGS)} orgs sealed in ${ms(sealMs)} (${count((EVENTS / sealMs) * 1000)} events/s), ${count(run.seals)} seals, ${count(run.published)} digests written`,
        pass: sealMs <= 30_000,
        note: "target: within 30 s, half a run's 60 s interval, so that even a minute with this many events keeps the lag bound below",
      },
    };
  } finally {
    delete process.env.AWS_ENDPOINT_URL_S3;
    reloadConfig();
    await aws.close();
  }
}

function consumerEvents(orgIds: string[], n: number): SQSEvent[] {
  const batches: SQSEvent[] = [];
  for (let i = 0; i < n; i += BATCH) {
    const events: AuditEvent[] = Array.from({ length: BATCH }, (_, j) => ({
      id: uuidv7(),
      orgId: orgIds[(i + j) % orgIds.length]!,
      userId: null,
      action: "resource.updated",
      resourceType: "sensor",
      resourceId: randomUUID(),
      details: { name: `sensor ${i + j}`, after: { status: "active" } },
      ipAddress: "203.0.113.9",
      createdAt: new Date().toISOString(),
    }));
    batches.push({
      Records: events.map((event) => ({
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: JSON.stringify(event),
        attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "BENCH", ApproximateFirstReceiveTimestamp: "0" },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:voxguard-audit",
        awsRegion: "us-east-1",
      })),
    });
  }
  return batches;
}

/** The consumer alone and with a sealer beside it, in alternating rounds so both meet the same load. */
async function consumerBeside(): Promise<{ result: BenchResult; durations: number[] }> {
  const { handler } = await import("../functions/queue/audit-consumer.ts");
  const orgIds = Array.from({ length: ORGS }, () => randomUUID());
  const perRound = CONSUMER_EVENTS / ROUNDS;
  const worker = fork(path.join(import.meta.dirname, "audit-seal-worker.ts"), { execArgv: ["--import", "tsx"], env: process.env });
  let idle: (() => void) | undefined;
  let resolveDone: (durations: number[]) => void = () => undefined;
  const done = new Promise<number[]>((resolve) => (resolveDone = resolve));
  worker.on("message", (message: "idle" | { durations: number[] }) => {
    if (message === "idle") idle?.();
    else resolveDone(message.durations);
  });
  let aloneMs = 0;
  let besideMs = 0;
  try {
    progress("audit-seal", `${count(CONSUMER_EVENTS)} events through the consumer alone and ${count(CONSUMER_EVENTS)} with a sealer beside it, ${ROUNDS} rounds each`);
    for (let round = 0; round < 2 * ROUNDS; round++) {
      // Alternate which comes first, as audit-consumer does.
      const beside = (round % 2 === 0) === (Math.floor(round / 2) % 2 === 0);
      if (beside) worker.send("start");
      else await new Promise<void>((resolve) => {
        idle = resolve;
        worker.send("pause");
      });
      const batches = consumerEvents(orgIds, perRound);
      const started = performance.now();
      for (const batch of batches) {
        const answer = await handler(batch);
        if (answer.batchItemFailures.length > 0) throw new Error("the consumer failed records");
      }
      const elapsed = performance.now() - started;
      if (beside) besideMs += elapsed;
      else aloneMs += elapsed;
    }
  } finally {
    worker.send("stop");
  }
  const durations = await done;
  const alone = (CONSUMER_EVENTS / aloneMs) * 1000;
  const beside = (CONSUMER_EVENTS / besideMs) * 1000;
  return {
    durations,
    result: {
      name: "audit-seal:consumer",
      figures: `consumer alone ${count(alone)} events/s | with sealing beside it ${count(beside)} events/s`,
      ratio: beside / alone,
      ratioOf: "beside/alone events/s",
      target: { op: ">=", value: 0.95 },
      note: `the sealer ran in its own process every second (the worst case: deployed it runs once a minute); on this 2-core box it also takes the consumer's CPU, which a Lambda of its own would not`,
    },
  };
}

export async function run(): Promise<BenchResult[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const backlog = await sealBacklog(client);
    const beside = await consumerBeside();
    // Lag of an event behind its seal: it waits in the queue for the batch window, is stored up to
    // one schedule interval before the run that reads it (uniformly), then waits for that run to
    // finish. A run seals the minute's events at the rate measured above.
    const sealRate = (EVENTS / backlog.sealMs) * 1000;
    const runMs = ((SCHEDULE_S * DESIGN_RATE) / sealRate) * 1000;
    const lagP99 = 0.99 * SCHEDULE_S + QUEUE_WINDOW_S + runMs / 1000;
    const maxRate = ((90 - 0.99 * SCHEDULE_S - QUEUE_WINDOW_S) / SCHEDULE_S) * sealRate;
    const runs = beside.durations;
    return [
      backlog.result,
      { ...beside.result, note: `${beside.result.note}; its runs took p50 ${ms(percentile(runs, 50))}, max ${ms(Math.max(...runs, 0))} (${runs.length} runs)` },
      {
        name: "audit-seal:lag",
        figures: `seal lag p99 ≈ ${fixed(lagP99, 1)} s at ${count(DESIGN_RATE)} events/s over ${count(ORGS)} orgs (0.99 × ${SCHEDULE_S} s schedule + ${QUEUE_WINDOW_S} s queue window + a ${ms(runMs)} run); ≤ 90 s up to ${count(maxRate)} events/s sustained`,
        pass: lagP99 <= 90,
        note: "derived from the schedule and the sealing rate measured above, not observed over hours",
      },
    ];
  } finally {
    await client.end();
  }
}
