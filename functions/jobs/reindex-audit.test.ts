import { randomUUID } from "node:crypto";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { list } from "@voxguard/core/audit";
import { reloadConfig } from "@voxguard/core/config";
import { auditIndexConfig, createQuickwitClient } from "@voxguard/core/search";
import { startQueuePoller } from "../../local/queue-poller.ts";
import { eventAt, rowsOf } from "../../test-support/audit-fixtures.ts";
import { createOrg, createUser } from "../../test-support/tenancy.ts";
import { startLocalAws, type LocalAws } from "../../test-support/fauxqs.ts";
import { withOwnDatabase } from "../../test-support/throwaway-database.ts";
import { startQuickwitStandIn, type QuickwitStandIn } from "../../test-support/quickwit-stand-in/index.ts";
import { until } from "../../test-support/until.ts";
import { handler as consumer } from "../queue/audit-consumer.ts";
import { handler as reindex } from "./reindex-audit.ts";

let aws: LocalAws;
let quickwit: QuickwitStandIn;

beforeAll(async () => {
  aws = await startLocalAws();
  quickwit = await startQuickwitStandIn();
});

afterEach(() => {
  delete process.env.QUICKWIT_URL;
  delete process.env.QUICKWIT_AUDIT_INDEX;
  reloadConfig();
});

afterAll(async () => {
  await quickwit.close();
  await aws.close();
});

async function queueDepth(queueUrl: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Attributes;
}

describe("audit search through a Quickwit outage", () => {
  it("down for longer than the queue's redrive policy, then up: every event searchable, none lost, none dead-lettered", async () => {
    await withOwnDatabase(async () => {
      const indexId = `audit-outage-${randomUUID().slice(0, 8)}`;
      await createQuickwitClient({ baseUrl: quickwit.url }).createIndex(auditIndexConfig({ indexId }));
      process.env.QUICKWIT_URL = quickwit.url;
      process.env.QUICKWIT_AUDIT_INDEX = indexId;
      reloadConfig();
      const admin = (await createUser()).actor;
      const orgId = await createOrg([[admin, "admin"]]);
      const word = `outage${randomUUID().slice(0, 8)}`;
      const events = Array.from({ length: 25 }, (_, n) =>
        eventAt(25 - n, { action: "resource.updated", actor: admin, orgId, details: { word, n } }),
      );

      // Two receives, then the dead-letter queue: the production policy (5) in small.
      const { queueUrl, dlqUrl } = await aws.createQueue(`outage-${randomUUID().slice(0, 8)}`, {
        maxReceiveCount: 2,
        visibilityTimeoutSeconds: 1,
      });
      await quickwit.setDown(true);
      for (let at = 0; at < events.length; at += 10) {
        const entries = events
          .slice(at, at + 10)
          .map((event) => ({ Id: event.id, MessageBody: JSON.stringify(event) }));
        await aws.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
      // A message no delivery can fix: once it is dead-lettered, the redrive policy has run its
      // course for everything sent with it, all of it while Quickwit was down.
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "{not json" }));

      const poller = startQueuePoller({
        queueUrl,
        handler: consumer,
        client: aws.sqs,
        batchWindowMs: 200,
        waitTimeSeconds: 1,
      });
      try {
        const dead = await until("the poison message in the dead-letter queue", async () => {
          const { Messages = [] } = await aws.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: dlqUrl,
              WaitTimeSeconds: 1,
              VisibilityTimeout: 60,
              MaxNumberOfMessages: 10,
            }),
          );
          return Messages.length > 0 ? Messages : undefined;
        });
        expect(dead.map((message) => message.Body)).toEqual(["{not json"]);
        expect(await queueDepth(queueUrl)).toMatchObject({
          ApproximateNumberOfMessages: "0",
          ApproximateNumberOfMessagesNotVisible: "0",
        });
      } finally {
        await poller.stop();
      }
      expect(await rowsOf(events.map((event) => event.id))).toHaveLength(25);
      expect(quickwit.documents(indexId)).toHaveLength(0);

      // Still down: each scheduled run fails (the alarm's signal) and keeps every event for the next.
      await expect(reindex(undefined)).rejects.toThrow(/Quickwit/);
      await expect(reindex(undefined)).rejects.toThrow(/Quickwit/);

      await quickwit.setDown(false);
      expect(await reindex(undefined)).toEqual({ indexed: 25, rejected: 0, missing: 0, remaining: 0 });
      // Searchable at Quickwit's next commit (the index's commit timeout), as a user would find it.
      const page = await until("every event searchable", async () => {
        const found = await list(admin, { type: "org", orgId }, { limit: 100, q: word });
        return found.items.length >= events.length ? found : undefined;
      });
      expect(page.items.map((item) => item.id)).toEqual(events.map((event) => event.id).reverse());
      expect(await reindex(undefined)).toEqual({ indexed: 0, rejected: 0, missing: 0, remaining: 0 });
    });
  });
});
