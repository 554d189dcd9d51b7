import { log } from "../log/index.ts";
import { deliver } from "./deliver.ts";
import { MailJob } from "./schema.ts";

export interface MailRecord {
  messageId: string;
  body: string;
}

/**
 * Delivers a batch of queued jobs and answers the message ids that failed: only those come back
 * (partial batch responses) and, after the queue's maxReceiveCount, rest in its dead-letter queue.
 * A malformed message fails too, so it ends there for inspection rather than vanishing.
 */
export async function consume(records: readonly MailRecord[]): Promise<{ failed: string[] }> {
  const results = await Promise.allSettled(
    records.map(async (record) => {
      let job: MailJob;
      try {
        job = MailJob.parse(JSON.parse(record.body));
      } catch {
        throw new Error("malformed mail job");
      }
      await deliver(job);
    }),
  );
  const failed: string[] = [];
  results.forEach((result, index) => {
    if (result.status === "fulfilled") return;
    const messageId = records[index]!.messageId;
    log.warn("mail job failed; the queue will retry it", {
      messageId,
      error: result.reason instanceof Error ? result.reason.message : String(result.reason),
    });
    failed.push(messageId);
  });
  return { failed };
}
