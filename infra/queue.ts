import { jobs } from "../functions/jobs.ts";
import { applyFunctionDefaults } from "./function-defaults.ts";
import { settings } from "./settings.ts";

const CONSUMER_TIMEOUT_SECONDS = 30;
// SQS's maximum. A message keeps its first enqueue time when it moves to the dead-letter queue, so
// the dead-letter queue needs at least the source queue's retention to keep anything at all.
export const RETENTION_SECONDS = 14 * 24 * 3600;

export const retention: sst.aws.QueueArgs["transform"] = {
  queue: (args) => {
    args.messageRetentionSeconds = RETENTION_SECONDS;
  },
};

// A message that failed 5 receives moves here and waits for a redrive (`npm run audit:redrive`).
// With the index backlog a Quickwit outage no longer sends anything here: only messages that can
// never be stored (malformed) or a database down for all five receives.
export const auditDlq = new sst.aws.Queue("AuditDeadLetter", { transform: retention });

export const auditQueue = new sst.aws.Queue("Audit", {
  dlq: { queue: auditDlq.arn, retry: 5 },
  // AWS asks for at least 6x the consumer's timeout so a slow batch is not handed out twice.
  visibilityTimeout: `${CONSUMER_TIMEOUT_SECONDS * 6} seconds`,
  transform: retention,
});

const consumer: sst.aws.FunctionArgs = {
  handler: jobs.auditConsumer.handler,
  timeout: `${CONSUMER_TIMEOUT_SECONDS} seconds`,
};
applyFunctionDefaults(consumer);

// The subscription grants the consumer exactly SQS's receive/delete/visibility actions on this queue.
export const auditConsumer = auditQueue.subscribe(consumer, {
  batch: { size: jobs.auditConsumer.batchSize, window: "5 seconds", partialResponses: true },
  transform: {
    // At most this many consumers hold database connections at once, however deep the queue.
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: settings.consumerConcurrency };
    },
  },
});
