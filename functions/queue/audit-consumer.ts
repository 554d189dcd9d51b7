import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { consume } from "@voxguard/core/audit";
import { count, Metric, withMetrics } from "@voxguard/core/metrics";

/**
 * The audit queue's consumer, subscribed with ReportBatchItemFailures: only the records named here
 * come back (and reach the dead-letter queue after maxReceiveCount), the rest of the batch is done.
 * Events Quickwit can't take now are deferred to the index backlog, not redelivered.
 */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> =>
  withMetrics(async () => {
    const { failed, stored, deferred } = await consume(
      event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
    );
    count(Metric.auditEventsStored, stored);
    count(Metric.auditIndexDeferred, deferred);
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
