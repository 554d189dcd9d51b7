import { applyFunctionDefaults } from "./function-defaults.ts";

// Mail: the SES sender identity, the mail queue with its dead-letter queue, and the consumer that
// sends. Requests only enqueue (sqs:SendMessage on this queue); the consumer alone holds
// ses:SendEmail, and only on this identity and its configuration set (SST's own link would grant
// ses:* and SendEmail on "*").
//
// Deploy-time settings, read from the environment `sst deploy` runs in:
//   VOXGUARD_MAIL_SENDER    a domain (example.com, verified through DNS) or one address; unset,
//                           no identity is created and no mail is sent (functions log it once)
//   VOXGUARD_MAIL_FROM      the From header, default "VoxGuard <no-reply@<domain>>" or the address
//   VOXGUARD_APP_URL        where the mails' links point (the web app), APP_URL in the functions
//   VOXGUARD_MAIL_SANDBOX   "true" while the SES account is in the sandbox: recipients must then be
//                           verified identities too, and IAM checks SendEmail against theirs

const CONSUMER_TIMEOUT_SECONDS = 30;

export function readMailSettings(env: Record<string, string | undefined>) {
  const sender = env.VOXGUARD_MAIL_SENDER?.trim() || undefined;
  const from = env.VOXGUARD_MAIL_FROM?.trim() || (sender ? (sender.includes("@") ? sender : `VoxGuard <no-reply@${sender}>`) : undefined);
  return { sender, from, appUrl: env.VOXGUARD_APP_URL?.trim() || undefined, sandbox: env.VOXGUARD_MAIL_SANDBOX === "true" };
}

const settings = readMailSettings(process.env);

export const mailSender = settings.sender ? new sst.aws.Email("MailSender", { sender: settings.sender }) : undefined;

// A message that failed 5 receives (SES refused or was unreachable each time) waits here for a redrive.
export const mailDlq = new sst.aws.Queue("MailDeadLetter");

export const mailQueue = new sst.aws.Queue("Mail", {
  dlq: { queue: mailDlq.arn, retry: 5 },
  visibilityTimeout: `${CONSUMER_TIMEOUT_SECONDS * 6} seconds`,
});

/** What a function that mails needs: the queue, the sender and where links point. */
export const mailEnvironment: Record<string, $util.Input<string>> = {
  MAIL_QUEUE_URL: mailQueue.url,
  ...(settings.from ? { MAIL_FROM: settings.from } : {}),
  ...(settings.appUrl ? { APP_URL: settings.appUrl } : {}),
};

const sendPermission = mailSender
  ? [
      {
        actions: ["ses:SendEmail"],
        resources: [
          mailSender.nodes.identity.arn,
          mailSender.nodes.configurationSet.arn,
          // In the sandbox SES also authorizes against each (verified) recipient's identity.
          ...(settings.sandbox ? [$interpolate`arn:aws:ses:*:*:identity/*`] : []),
        ],
      },
    ]
  : [];

/**
 * The routes whose requests cause a mail. They enqueue; should the queue be unreachable they send
 * from the request instead, so they may send too (on this identity only).
 */
export const MAILING_ROUTES: ReadonlySet<string> = new Set([
  "POST /auth/register",
  "POST /auth/email/resend",
  "POST /auth/password/forgot",
  "POST /auth/password/reset",
  "POST /me/password",
  "POST /orgs/{orgId}/invitations",
]);

export function mailAccess(routeKey: string): Pick<sst.aws.FunctionArgs, "link" | "environment" | "permissions"> {
  if (!MAILING_ROUTES.has(routeKey)) return {};
  return { link: [mailQueue], environment: mailEnvironment, permissions: sendPermission };
}

const consumer: sst.aws.FunctionArgs = {
  handler: "functions/queue/mail-consumer.handler",
  timeout: `${CONSUMER_TIMEOUT_SECONDS} seconds`,
  environment: mailEnvironment,
  permissions: sendPermission,
};
applyFunctionDefaults(consumer);

export const mailConsumer = mailQueue.subscribe(consumer, {
  batch: { size: 10, window: "1 second", partialResponses: true },
});
