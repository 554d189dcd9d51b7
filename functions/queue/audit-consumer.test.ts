import { randomUUID } from "node:crypto";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserActor } from "@voxguard/core/actor";
import { toEvent } from "@voxguard/core/audit";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb } from "@voxguard/core/db";
import { startQueuePoller } from "../../local/queue-poller.ts";
import { rowsOf } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { startLocalAws, type LocalAws } from "../../test-support/fauxqs.ts";
import { handler } from "./audit-consumer.ts";
import { until } from "../../test-support/until.ts";

let aws: LocalAws;
let actor: UserActor;
let orgId: string;

beforeAll(async () => {
  aws = await startLocalAws();
  delete process.env.AUDIT_QUEUE_URL;
  reloadConfig();
  actor = (await createUser()).actor;
  orgId = await createOrg([[actor, "owner"]]);
});

afterAll(async () => {
  await aws.close();
  await closeDb();
});

describe("audit consumer handler", () => {
  it("answers a partial batch response naming only the records that failed", async () => {
    const events = [1, 2, 3].map(() => toEvent({ action: "resource.created", actor, orgId }));
    const record = (messageId: string, body: string) => ({ messageId, body }) as SQSEvent["Records"][number];
    const event: SQSEvent = {
      Records: [
        record("m1", JSON.stringify(events[0])),
        record("m2", "{not json"),
        record("m3", JSON.stringify(events[1])),
        record("m4", JSON.stringify(events[2])),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    expect(await rowsOf(events.map((e) => e.id))).toHaveLength(3);
  });

  it("behind the queue: stores the batch and dead-letters the malformed message after its retries", async () => {
    const { queueUrl, dlqUrl } = await aws.createQueue(`consumer-${randomUUID().slice(0, 8)}`, {
      maxReceiveCount: 2,
      visibilityTimeoutSeconds: 1,
    });
    const events = Array.from({ length: 15 }, (_, n) =>
      toEvent({ action: "resource.updated", actor, orgId, details: { n } }),
    );
    for (const event of events.slice(0, 7))
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ id: "poison", action: "resource.updated" }),
      }),
    );
    for (const event of events.slice(7))
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));

    const poller = startQueuePoller({ queueUrl, handler, client: aws.sqs, batchWindowMs: 200, waitTimeSeconds: 1 });
    try {
      const dead = await until("the dead-letter queue", async () => {
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
        );
        return Messages.length > 0 ? Messages : undefined;
      });
      expect(dead.map((message) => JSON.parse(message.Body!).id)).toEqual(["poison"]);
      expect(await rowsOf(events.map((e) => e.id))).toHaveLength(15);
      const { Attributes } = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      expect(Attributes).toMatchObject({
        ApproximateNumberOfMessages: "0",
        ApproximateNumberOfMessagesNotVisible: "0",
      });
    } finally {
      await poller.stop();
    }
  });
});
