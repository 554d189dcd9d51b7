import { callSqs, type SendMessageBatchOutput } from "../aws/index.ts";
import { config } from "../config/index.ts";
import { afterCommit } from "../db/index.ts";
import { log } from "../log/index.ts";
import { deliver } from "./deliver.ts";
import type { MailJob } from "./schema.ts";

let reportedOff = false;

/**
 * Queues a mail once the surrounding transaction commits (at once outside one). Never throws: a
 * mail that can't be sent must not fail the change that caused it.
 */
export async function enqueue(job: MailJob): Promise<void> {
  await afterCommit(() => dispatch(job));
}

/**
 * To the mail queue when there is one. If the queue can't take the job, or there is no queue, the
 * mail is delivered from here instead (the audit pipeline's write-through), so a queue outage
 * delays nothing and loses nothing; only if SES fails too is the mail dropped, logged as an error.
 */
export async function dispatch(job: MailJob): Promise<void> {
  const { from, queueUrl } = config().mail;
  if (!from) {
    if (!reportedOff) log.warn("MAIL_FROM is not set: no mail is sent");
    reportedOff = true;
    return;
  }
  if (queueUrl) {
    try {
      const answer = await callSqs<SendMessageBatchOutput>("SendMessageBatch", {
        QueueUrl: queueUrl,
        Entries: [{ Id: "mail", MessageBody: JSON.stringify(job) }],
      });
      const failed = answer.Failed?.[0];
      if (!failed) return;
      log.warn("mail queue rejected the job; sending directly", { kind: job.kind, code: failed.Code });
    } catch (error) {
      log.warn("mail queue send failed; sending directly", {
        kind: job.kind,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  try {
    await deliver(job);
  } catch (error) {
    log.error("mail could not be queued or sent", {
      kind: job.kind,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
