import path from "node:path";
import pg from "pg";
import { ConfigError, reloadConfig } from "@voxguard/core/config";
import { closeDb, setPoolOverrides } from "@voxguard/core/db";
import { createMigrator } from "@voxguard/core/migrate";
import { jobs } from "../functions/jobs.ts";
import { ensureLocalSealKey } from "./audit-seal-key.ts";
import { startCron, type Cron } from "./cron.ts";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded-database.ts";
import { handlerFile, loadHandler } from "./handler-loader.ts";
import { startQueuePoller, type QueuePoller } from "./queue-poller.ts";
import { startLocalQueue, type LocalQueue } from "./queue.ts";
import { startLocalServer, type LocalServer } from "./server.ts";
import { startLocalSes, type LocalSes } from "./ses.ts";

const rootDir = path.resolve(import.meta.dirname, "..");
const LOCAL_SENDER = "VoxGuard <no-reply@voxguard.localhost>";
const AUDIT_CONSUMER = jobs.auditConsumer.handler;
const CLEANUP_JOB = jobs.sessionCleanup.handler;
const REINDEX_JOB = jobs.auditReindex.handler;
const minutes = (n: number) => n * 60_000;

interface Running {
  embedded?: EmbeddedDatabase;
  queue?: LocalQueue;
  ses?: LocalSes;
  server?: LocalServer;
  poller?: QueuePoller;
  mailPoller?: QueuePoller;
  cron?: Cron;
  reindexCron?: Cron;
  sealCron?: Cron;
}

const running: Running = {};

function say(line: string): void {
  console.log(`[voxguard] ${line}`);
}

async function migrate(): Promise<void> {
  const pool = new pg.Pool(
    running.embedded ? { ...running.embedded.poolOverrides } : { connectionString: process.env.DATABASE_URL, max: 1 },
  );
  try {
    const applied = await createMigrator({ pool, dir: path.join(rootDir, "migrations"), log: say }).up();
    say(applied.length ? `applied migrations ${applied.join(", ")}` : "database schema is up to date");
  } finally {
    // The embedded database has one session: this pool must let go before the app's pool starts.
    await pool.end();
  }
}

async function start(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const dataDir = path.join(rootDir, ".voxguard", "pgdata");
    running.embedded = await startEmbeddedDatabase({ dataDir });
    process.env.DATABASE_URL = running.embedded.databaseUrl;
    setPoolOverrides(running.embedded.poolOverrides);
    say(`no DATABASE_URL: embedded PGlite database in ${path.relative(rootDir, dataDir)}`);
  }
  await migrate();

  running.queue = await startLocalQueue();
  if (running.queue) say(`no queue or S3 endpoint configured: local SQS + S3 (fauxqs) on ${running.queue.endpoint}`);

  if (process.env.AWS_ENDPOINT_URL_SESV2) say(`mail goes to the SES endpoint ${process.env.AWS_ENDPOINT_URL_SESV2}`);
  else {
    running.ses = await startLocalSes({ port: process.env.SES_PORT ? Number(process.env.SES_PORT) : 0 });
    process.env.AWS_ENDPOINT_URL_SESV2 = running.ses.endpoint;
    say(
      `no AWS_ENDPOINT_URL_SESV2: local SES v2 endpoint (aws-ses-v2-local); mails are in the inbox at ${running.ses.endpoint}/`,
    );
  }
  process.env.MAIL_FROM ||= LOCAL_SENDER;
  if (!process.env.AUDIT_SEAL_KEY) {
    const file = await ensureLocalSealKey(rootDir);
    say(`no AUDIT_SEAL_KEY: audit seals signed with the local key in ${path.relative(rootDir, file)}`);
  }

  // Read only now, with everything above in the environment; a bad value stops here with one line.
  reloadConfig();

  // Imported late so no module reads the configuration before the environment is complete.
  const { routes } = await import("../functions/routes.ts");
  const port = Number(process.env.PORT ?? 3000);
  running.server = await startLocalServer({ routes, port, host: process.env.HOST ?? "127.0.0.1", rootDir });

  const queueUrl = process.env.AUDIT_QUEUE_URL;
  if (!handlerFile(rootDir, AUDIT_CONSUMER)) say(`no ${AUDIT_CONSUMER} yet: the audit queue is not polled`);
  else if (!queueUrl) say("no AUDIT_QUEUE_URL: the audit queue is not polled");
  else {
    const handler = await loadHandler(rootDir, AUDIT_CONSUMER);
    running.poller = startQueuePoller({
      queueUrl,
      handler,
      functionName: "voxguard-audit-consumer",
      batchSize: jobs.auditConsumer.batchSize,
    });
    say(`polling the audit queue into the consumer (batches of up to ${jobs.auditConsumer.batchSize}, 1 s window)`);
  }

  const mailQueueUrl = process.env.MAIL_QUEUE_URL;
  if (mailQueueUrl) {
    const handler = await loadHandler(rootDir, jobs.mailConsumer.handler);
    running.mailPoller = startQueuePoller({
      queueUrl: mailQueueUrl,
      handler,
      functionName: "voxguard-mail-consumer",
      batchSize: jobs.mailConsumer.batchSize,
    });
    say("polling the mail queue into the mail consumer");
  }

  if (!handlerFile(rootDir, CLEANUP_JOB)) say(`no ${CLEANUP_JOB} yet: no session cleanup schedule`);
  else {
    const handler = await loadHandler(rootDir, CLEANUP_JOB);
    running.cron = startCron({
      handler,
      intervalMs: minutes(jobs.sessionCleanup.everyMinutes),
      name: "cleanup-sessions",
    });
    say(`session cleanup runs every ${jobs.sessionCleanup.everyMinutes} minutes`);
  }
  if (process.env.QUICKWIT_URL && handlerFile(rootDir, REINDEX_JOB)) {
    const handler = await loadHandler(rootDir, REINDEX_JOB);
    running.reindexCron = startCron({
      handler,
      intervalMs: minutes(jobs.auditReindex.everyMinutes),
      name: "reindex-audit",
    });
    say(`the audit index backlog is re-driven into Quickwit every ${jobs.auditReindex.everyMinutes} minutes`);
  }

  const sealer = await loadHandler(rootDir, jobs.auditSeal.handler);
  running.sealCron = startCron({
    handler: sealer,
    intervalMs: minutes(jobs.auditSeal.everyMinutes),
    name: "seal-audit",
    runOnStart: true,
  });
  say(
    `the audit trail is sealed every ${jobs.auditSeal.everyMinutes} minute(s); public keys at /.well-known/voxguard-audit-keys.json`,
  );

  say(`API on ${running.server.url}`);
}

/** Stops in dependency order: no new requests, no new batches, then the stores they write to. */
async function stop(): Promise<void> {
  const steps: Array<[string, (() => Promise<void>) | undefined]> = [
    ["server", running.server?.close],
    ["queue poller", running.poller?.stop],
    ["mail queue poller", running.mailPoller?.stop],
    ["cron", running.cron?.stop],
    ["reindex cron", running.reindexCron?.stop],
    ["sealing cron", running.sealCron?.stop],
    ["database pool", closeDb],
    ["local queue", running.queue?.close],
    ["local SES", running.ses?.close],
    ["embedded database", running.embedded?.close],
  ];
  for (const [name, step] of steps) {
    try {
      await step?.();
    } catch (error) {
      console.error(`[voxguard] stopping the ${name} failed:`, error);
    }
  }
}

let stopping = false;
function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    say(`${signal} again: exiting now`);
    process.exit(1);
  }
  stopping = true;
  say(`${signal}: stopping`);
  stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

try {
  await start();
} catch (error) {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error("[voxguard] start-up failed:", error);
  await stop();
  process.exit(1);
}
