// `npm run audit:redrive -- <dead-letter queue ARN>`: moves the audit dead-letter queue's messages
// back to the queue they came from (SQS StartMessageMoveTask), then reports until the move is done.
// The ARN is the stack output `auditDeadLetterQueueArn`. The consumer is idempotent on event id, so
// a redriven event never makes a second row. Credentials and region: the AWS SDK's usual chain.
import { ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";

const ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+$/;

async function main(args: string[]): Promise<number> {
  const [sourceArn, extra] = args;
  if (!sourceArn || extra !== undefined || !ARN.test(sourceArn)) {
    console.error("usage: npm run audit:redrive -- <dead-letter queue ARN> (the stack output auditDeadLetterQueueArn)");
    return 1;
  }
  const region = sourceArn.split(":")[3];
  const sqs = new SQSClient({ region });
  try {
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn }));
    console.log(`move task started (${TaskHandle ?? "no handle"})`);
    for (;;) {
      const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
      const task = Results[0];
      if (!task) return 0;
      console.log(
        `${task.Status}: ${task.ApproximateNumberOfMessagesMoved ?? 0} of ${task.ApproximateNumberOfMessagesToMove ?? "?"} moved`,
      );
      if (task.Status === "COMPLETED") return 0;
      if (task.Status === "FAILED" || task.Status === "CANCELLED") {
        console.error(`move task ${task.Status.toLowerCase()}: ${task.FailureReason ?? "no reason given"}`);
        return 1;
      }
      await sleep(5_000);
    }
  } finally {
    sqs.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`audit:redrive failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
