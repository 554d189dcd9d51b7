import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { consume } from "@voxguard/core/mail";

/**
 * The mail queue's consumer, subscribed with ReportBatchItemFailures: only the records named here
 * come back (and reach the dead-letter queue after maxReceiveCount), the rest of the batch is done.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const { failed } = await consume(event.Records.map((record) => ({ messageId: record.messageId, body: record.body })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};
