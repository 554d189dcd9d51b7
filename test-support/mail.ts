import { reloadConfig } from "@voxguard/core/config";
import { handler as mailConsumer } from "../functions/queue/mail-consumer.ts";
import { startQueuePoller, type QueuePoller } from "../local/queue-poller.ts";
import { startLocalSes, type LocalSes } from "../local/ses.ts";
import { startLocalAws, type LocalAws } from "./fauxqs.ts";
import { until } from "./until.ts";

/** One message as the local SES endpoint keeps it (`GET /store`). */
export interface Mail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

export interface MailPipeline {
  aws: LocalAws;
  ses: LocalSes;
  queueUrl: string;
  dlqUrl: string;
  /** Every mail the local SES endpoint holds for `address`, oldest first. */
  mailsTo(address: string): Promise<Mail[]>;
  /** The next mail for `address` not handed out before, waiting for it to arrive. */
  nextMail(address: string, timeoutMs?: number): Promise<Mail>;
  close(): Promise<void>;
}

/**
 * The mail path as it runs in AWS, on loopback: a mail queue with its dead-letter queue (fauxqs),
 * the mail consumer polled from it as Lambda's event source would, and the local SES v2 endpoint
 * (aws-ses-v2-local) it sends to. Tests read what was sent from that endpoint over HTTP.
 */
export async function startMailPipeline(): Promise<MailPipeline> {
  const aws = await startLocalAws();
  const { queueUrl, dlqUrl } = await aws.createQueue(`mail-${process.pid}`, {
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 2,
  });
  const ses = await startLocalSes();
  process.env.MAIL_QUEUE_URL = queueUrl;
  process.env.AWS_ENDPOINT_URL_SESV2 = ses.endpoint;
  process.env.MAIL_FROM = "VoxGuard Test <no-reply@voxguard.test>";
  process.env.APP_URL = "https://app.voxguard.test";
  reloadConfig();
  const poller: QueuePoller = startQueuePoller({
    queueUrl,
    handler: mailConsumer,
    client: aws.sqs,
    batchSize: 10,
    batchWindowMs: 0,
    waitTimeSeconds: 1,
  });
  const handedOut = new Map<string, number>();

  async function mailsTo(address: string): Promise<Mail[]> {
    const response = await fetch(`${ses.endpoint}/store`);
    const store = (await response.json()) as { emails: Mail[] };
    return store.emails.filter((mail) => mail.destination.to.includes(address.toLowerCase()));
  }

  return {
    aws,
    ses,
    queueUrl,
    dlqUrl,
    mailsTo,
    async nextMail(address, timeoutMs = 20_000) {
      const seen = handedOut.get(address) ?? 0;
      const mail = await until(
        `mail #${seen + 1} to ${address}`,
        async () => (await mailsTo(address))[seen],
        timeoutMs,
      );
      handedOut.set(address, seen + 1);
      return mail;
    },
    async close() {
      await poller.stop();
      await ses.close();
      await aws.close();
    },
  };
}

/** The one-time token a mail's text part carries in its link (`…?token=<token>`). */
export function tokenIn(mail: Mail): string {
  const token = /[?&]token=([A-Za-z0-9_-]{43})\b/.exec(mail.body.text ?? "")?.[1];
  if (!token) throw new Error(`no token in the mail "${mail.subject}"`);
  return token;
}
