import { jobs } from "../functions/jobs.ts";
import { addEnvironment, applyFunctionDefaults } from "./function-defaults.ts";
import { MAILING_ROUTES } from "./mailing-routes.ts";
import { grant, sendMessages, type Permission } from "./permissions.ts";
import { retention } from "./queue.ts";
import { settings } from "./settings.ts";

// Mail: the SES sender identity, the mail queue with its dead-letter queue, and the consumer that
// sends. Requests only enqueue (sqs:SendMessage on this queue); the consumer alone holds
// ses:SendEmail, and only on this identity and its configuration set (SST's own link would grant
// ses:* and SendEmail on "*").
//
// The sender, From, link target and sandbox flag are the stage's `mail` setting (infra/stages.ts).

const CONSUMER_TIMEOUT_SECONDS = 30;

const mail = settings.mail;
const from = mail
  ? (mail.from ?? (mail.sender.includes("@") ? mail.sender : `VoxGuard <no-reply@${mail.sender}>`))
  : undefined;

export const mailSender = mail ? new sst.aws.Email("MailSender", { sender: mail.sender }) : undefined;

// A message that failed 5 receives (SES refused or was unreachable each time) waits here for a redrive.
export const mailDlq = new sst.aws.Queue("MailDeadLetter", { transform: retention });

export const mailQueue = new sst.aws.Queue("Mail", {
  dlq: { queue: mailDlq.arn, retry: 5 },
  visibilityTimeout: `${CONSUMER_TIMEOUT_SECONDS * 6} seconds`,
  transform: retention,
});

/** What a function that mails needs: the queue, the sender and where links point. */
export const mailEnvironment: Record<string, $util.Input<string>> = {
  MAIL_QUEUE_URL: mailQueue.url,
  ...(from ? { MAIL_FROM: from } : {}),
  ...(mail?.appUrl ? { APP_URL: mail.appUrl } : {}),
};

const sendPermission: Permission[] = mailSender
  ? [
      {
        actions: ["ses:SendEmail"],
        resources: [
          mailSender.nodes.identity.arn,
          mailSender.nodes.configurationSet.arn,
          // In the sandbox SES also authorizes against each (verified) recipient's identity.
          ...(mail?.sandbox ? [$interpolate`arn:aws:ses:*:*:identity/*`] : []),
        ],
      },
    ]
  : [];

/** Gives a route what mailing needs: the queue's URL, SendMessage on it, and SendEmail on the sender. */
export function addMailAccess(routeKey: string, args: sst.aws.FunctionArgs): void {
  if (!MAILING_ROUTES.has(routeKey)) return;
  addEnvironment(args, mailEnvironment);
  grant(args, sendMessages(mailQueue.arn), ...sendPermission);
}

const consumer: sst.aws.FunctionArgs = {
  handler: jobs.mailConsumer.handler,
  timeout: `${CONSUMER_TIMEOUT_SECONDS} seconds`,
  environment: mailEnvironment,
};
applyFunctionDefaults(consumer);
grant(consumer, ...sendPermission);

export const mailConsumer = mailQueue.subscribe(consumer, {
  batch: { size: jobs.mailConsumer.batchSize, window: "1 second", partialResponses: true },
  transform: {
    // Each sender holds database connections (it issues the mail's token): the same cap as the audit consumer's.
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: settings.consumerConcurrency };
    },
  },
});
