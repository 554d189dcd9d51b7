import { Metric, METRICS_NAMESPACE, METRICS_SERVICE } from "../core/metrics/names.ts";
import { api } from "./api.ts";
import { auditSealing } from "./audit-seal.ts";
import { auditReindex, sessionCleanup } from "./cron.ts";
import { migrator } from "./database.ts";
import { mailConsumer, mailDlq } from "./mail.ts";
import { auditConsumer, auditDlq, auditQueue } from "./queue.ts";
import { settings } from "./settings.ts";

// Every alarm goes to one SNS topic; the stage's alarmEmail (infra/stages.ts) is subscribed to it
// (AWS mails a confirmation link first). Other subscribers (chat, paging) attach to the topic.
export const alarmTopic = new aws.sns.Topic("Alarms");
if (settings.alarmEmail !== null) {
  new aws.sns.TopicSubscription("AlarmsEmail", {
    topic: alarmTopic.arn,
    protocol: "email",
    endpoint: settings.alarmEmail,
  });
}

const FIVE_MINUTES = 300;

type AlarmArgs = Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">;

function alarm(name: string, args: AlarmArgs): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(name, {
    // Quiet periods (no invocations, an empty queue) publish no data: not a breach.
    treatMissingData: "notBreaching",
    ...args,
    alarmActions: [alarmTopic.arn],
    okActions: [alarmTopic.arn],
  });
}

/** A function that threw (or timed out) `periods` five-minute periods in a row. */
function functionErrors(name: string, functionName: $util.Input<string>, description: string, periods = 1) {
  return alarm(name, {
    alarmDescription: description,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: functionName },
    statistic: "Sum",
    period: FIVE_MINUTES,
    evaluationPeriods: periods,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
  });
}

const nameOf = (fn: $util.Output<sst.aws.Function>) => fn.apply((f) => f.name);

export const alarms = [
  alarm("AuditDeadLetterDepth", {
    alarmDescription: "Audit messages in the dead-letter queue: fix the cause, then npm run audit:redrive",
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: auditDlq.nodes.queue.name },
    statistic: "Maximum",
    period: FIVE_MINUTES,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
  }),
  alarm("AuditQueueOldestMessage", {
    alarmDescription: "The audit queue is not draining: the consumer is failing or throttled",
    namespace: "AWS/SQS",
    metricName: "ApproximateAgeOfOldestMessage",
    dimensions: { QueueName: auditQueue.nodes.queue.name },
    statistic: "Maximum",
    period: FIVE_MINUTES,
    evaluationPeriods: 1,
    threshold: 15 * 60,
    comparisonOperator: "GreaterThanThreshold",
  }),
  functionErrors("AuditConsumerErrors", nameOf(auditConsumer.nodes.function), "The audit consumer threw or timed out"),
  alarm("MailDeadLetterDepth", {
    alarmDescription:
      "Mails that failed five sends (SES refused or was unreachable): fix the cause, then redrive the mail dead-letter queue",
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: mailDlq.nodes.queue.name },
    statistic: "Maximum",
    period: FIVE_MINUTES,
    evaluationPeriods: 1,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
  }),
  functionErrors("MailConsumerErrors", nameOf(mailConsumer.nodes.function), "The mail consumer threw or timed out"),
  alarm("ApiServerErrorRate", {
    alarmDescription: "More than 1% of API requests answered 5xx, two five-minute periods in a row",
    metricQueries: [
      {
        id: "errors",
        metric: {
          namespace: "AWS/ApiGateway",
          metricName: "5xx",
          dimensions: { ApiId: api.nodes.api.id },
          period: FIVE_MINUTES,
          stat: "Sum",
        },
      },
      {
        id: "requests",
        metric: {
          namespace: "AWS/ApiGateway",
          metricName: "Count",
          dimensions: { ApiId: api.nodes.api.id },
          period: FIVE_MINUTES,
          stat: "Sum",
        },
      },
      { id: "rate", expression: "IF(requests > 0, 100 * errors / requests, 0)", label: "5xx %", returnData: true },
    ],
    evaluationPeriods: 2,
    threshold: 1,
    comparisonOperator: "GreaterThanThreshold",
  }),
  functionErrors(
    "MigratorErrors",
    migrator.name,
    "The deploy-time migration failed: the deploy stopped, the previous code still serves",
  ),
  functionErrors(
    "SessionCleanupErrors",
    nameOf(sessionCleanup.nodes.function),
    "The session cleanup failed (Lambda retries it twice)",
  ),
  functionErrors(
    "AuditReindexErrors",
    nameOf(auditReindex.nodes.function),
    "Deferred audit events can't be indexed: Quickwit down for 15 minutes",
    3,
  ),
  // Each run seals what the failed ones left, so one failure costs only latency; ten minutes of
  // failures means the trail is going unsealed (and unpublished) until someone looks.
  functionErrors(
    "AuditSealErrors",
    nameOf(auditSealing.nodes.function),
    "The audit trail is not being sealed: every sealing run failed for 10 minutes",
    2,
  ),
  alarm("AuditIndexBacklog", {
    alarmDescription:
      "Audit events wait for the search index for 30 minutes: they are stored, not yet searchable by text",
    namespace: METRICS_NAMESPACE,
    metricName: Metric.auditIndexBacklog,
    dimensions: { service: METRICS_SERVICE },
    statistic: "Minimum",
    period: FIVE_MINUTES,
    evaluationPeriods: 6,
    threshold: 0,
    comparisonOperator: "GreaterThanThreshold",
  }),
];
