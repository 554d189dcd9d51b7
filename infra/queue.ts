import { applyFunctionDefaults } from "./function-defaults.ts";

const CONSUMER_TIMEOUT_SECONDS = 30;

// A message that failed 5 receives moves here and waits for a redrive (see the README).
export const auditDlq = new sst.aws.Queue("AuditDeadLetter");

export const auditQueue = new sst.aws.Queue("Audit", {
  dlq: { queue: auditDlq.arn, retry: 5 },
  // AWS asks for at least 6x the consumer's timeout so a slow batch is not handed out twice.
  visibilityTimeout: `${CONSUMER_TIMEOUT_SECONDS * 6} seconds`,
});

const consumer: sst.aws.FunctionArgs = {
  handler: "functions/queue/audit-consumer.handler",
  timeout: `${CONSUMER_TIMEOUT_SECONDS} seconds`,
};
applyFunctionDefaults(consumer);

export const auditConsumer = auditQueue.subscribe(consumer, {
  batch: { size: 100, window: "5 seconds", partialResponses: true },
});
