import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reloadConfig } from "@voxguard/core/config";
import { closeDb, db } from "@voxguard/core/db";
import * as Mail from "@voxguard/core/mail";
import { startMailPipeline, tokenIn, type MailPipeline } from "../../test-support/mail.ts";
import { createUser } from "../../test-support/tenancy.ts";
import { until } from "../../test-support/until.ts";
import { handler } from "./mail-consumer.ts";

let mail: MailPipeline;

beforeAll(async () => {
  mail = await startMailPipeline();
});

afterAll(async () => {
  await mail.close();
  await closeDb();
});

const record = (messageId: string, body: string) => ({ messageId, body }) as SQSEvent["Records"][number];

/** Runs `fn` with one environment variable changed, the configuration re-read on both sides. */
async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  reloadConfig();
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
    reloadConfig();
  }
}

async function deadLetters(): Promise<string[]> {
  const { Messages = [] } = await mail.aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: mail.dlqUrl,
      WaitTimeSeconds: 1,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 60,
    }),
  );
  return Messages.map((message) => message.Body!);
}

// Nothing that can't be delivered is dropped: it ends in the dead-letter queue.
describe("mail consumer", () => {
  it("answers a partial batch response naming only the records that failed, and sends the rest", async () => {
    const user = await createUser({ label: "batch" });
    const answer = await handler({
      Records: [
        record("m1", JSON.stringify({ kind: "verify_email", userId: user.actor.userId })),
        record("m2", "{not json"),
        record("m3", JSON.stringify({ kind: "nonsense" })),
      ],
    } as SQSEvent);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }, { itemIdentifier: "m3" }] });
    const sent = await mail.nextMail(user.email);
    expect(tokenIn(sent)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("behind the queue: a malformed job, and a job SES keeps refusing, end in the dead-letter queue", async () => {
    await mail.aws.sqs.send(new SendMessageCommand({ QueueUrl: mail.queueUrl, MessageBody: "poison" }));
    const user = await createUser({ label: "ses-down" });
    const job = JSON.stringify({ kind: "verify_email", userId: user.actor.userId });
    const dead = await withEnv("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:1", async () => {
      await Mail.dispatch({ kind: "verify_email", userId: user.actor.userId });
      const found: string[] = [];
      return until(
        "both jobs in the dead-letter queue",
        async () => {
          found.push(...(await deadLetters()));
          return found.length >= 2 ? found : undefined;
        },
        60_000,
      );
    });
    expect(dead.sort()).toEqual([job, "poison"].sort());
    expect(await mail.mailsTo(user.email)).toEqual([]);
    // Redriven once SES is back, the job is sent.
    expect(await handler({ Records: [record("redriven", job)] } as SQSEvent)).toEqual({ batchItemFailures: [] });
    expect(tokenIn(await mail.nextMail(user.email))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("with the queue unreachable, the request sends the mail itself", async () => {
    const user = await createUser({ label: "queue-down" });
    await withEnv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1", () =>
      Mail.dispatch({ kind: "verify_email", userId: user.actor.userId }),
    );
    // Already there: dispatch returned after SES took it.
    expect(await mail.mailsTo(user.email)).toHaveLength(1);
  });

  it("sends nothing for an account verified meanwhile, or for an unknown address", async () => {
    const user = await createUser({ label: "verified" });
    await db().updateTable("users").set({ email_verified: true }).where("id", "=", user.actor.userId).execute();
    expect(
      await handler({
        Records: [
          record("v", JSON.stringify({ kind: "verify_email", userId: user.actor.userId })),
          record("u", JSON.stringify({ kind: "password_reset", email: "nobody@example.test" })),
        ],
      } as SQSEvent),
    ).toEqual({ batchItemFailures: [] });
    expect(await mail.mailsTo(user.email)).toEqual([]);
    expect(await mail.mailsTo("nobody@example.test")).toEqual([]);
  });
});
