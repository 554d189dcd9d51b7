import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reloadConfig } from "../config/index.ts";
import { sql } from "kysely";
import { closeDb, db, transaction } from "../db/index.ts";
import { createUser } from "../../test-support/tenancy.ts";
import { startLocalAws, type LocalAws } from "../../test-support/fauxqs.ts";
import { emit, toEvent, type AuditEvent } from "./index.ts";
import { MAX_BATCH_BYTES, planBatches } from "./queue.ts";
import type { UserActor } from "../actor/index.ts";

let aws: LocalAws;
let actor: UserActor;

function useQueue(url: string | undefined): void {
  if (url === undefined) delete process.env.AUDIT_QUEUE_URL;
  else process.env.AUDIT_QUEUE_URL = url;
  reloadConfig();
}

async function receiveAll(queueUrl: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (;;) {
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return events;
    for (const message of Messages) events.push(JSON.parse(message.Body!) as AuditEvent);
  }
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  aws = await startLocalAws();
  actor = (await createUser()).actor;
});

afterEach(() => {
  process.env.AWS_ENDPOINT_URL_SQS = aws.endpoint;
  useQueue(undefined);
});

afterAll(async () => {
  await aws.close();
  await closeDb();
});

describe("planBatches", () => {
  const small = () => toEvent({ action: "org.updated", actor });
  const sized = (bytes: number) => toEvent({ action: "org.updated", actor, details: { pad: "x".repeat(bytes) } });

  it("puts at most 10 entries in a call", () => {
    const { batches, oversized } = planBatches(Array.from({ length: 25 }, small));
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(oversized).toEqual([]);
  });

  it("keeps every call within 256 KiB and leaves out what can never fit", () => {
    const events = [sized(100_000), sized(100_000), sized(100_000), sized(300_000), small()];
    const { batches, oversized } = planBatches(events);
    for (const batch of batches) {
      expect(batch.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody!), 0)).toBeLessThanOrEqual(
        MAX_BATCH_BYTES,
      );
    }
    expect(batches.flat()).toHaveLength(4);
    expect(oversized.map((event) => event.id)).toEqual([events[3]!.id]);
  });
});

describe("emit", () => {
  it("writes through to the database when no queue is configured", async () => {
    useQueue(undefined);
    const details = { marker: `no-queue-${Date.now()}` };
    await emit({ action: "org.updated", actor, details });
    const [row] = await rowsOfDetails(details.marker);
    expect(row).toMatchObject({ user_id: actor.userId, action: "org.updated", ip_address: "203.0.113.7" });
  });

  it("delivers a transaction's events only after it commits, and none of a rolled-back one", async () => {
    useQueue(undefined);
    const marker = `tx-${Date.now()}`;
    await expect(
      transaction(async () => {
        await emit({ action: "org.updated", actor, details: { marker, rolledBack: true } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await transaction(async () => {
      await emit({ action: "org.updated", actor, details: { marker, n: 1 } });
      await emit({ action: "org.updated", actor, details: { marker, n: 2 } });
      expect(await rowsOfDetails(marker)).toHaveLength(0);
    });
    const rows = await rowsOfDetails(marker);
    expect(rows.map((row) => row.details.n).sort()).toEqual([1, 2]);
  });

  it("sends a transaction's events to the queue in batches, without writing them itself", async () => {
    const { queueUrl } = await aws.createQueue(`emit-${Date.now()}`);
    useQueue(queueUrl);
    const marker = `queued-${Date.now()}`;
    await transaction(async () => {
      for (let n = 0; n < 23; n++) await emit({ action: "resource.created", actor, details: { marker, n } });
    });
    const received = await receiveAll(queueUrl);
    expect(received.map((event) => event.details.n).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 23 }, (_, n) => n),
    );
    expect(new Set(received.map((event) => event.id)).size).toBe(23);
    expect(await rowsOfDetails(marker)).toHaveLength(0);
  });

  it("writes through the entries the queue rejects, and queues the rest", async () => {
    const queue = await aws.sqs.send(
      new CreateQueueCommand({ QueueName: `small-${Date.now()}`, Attributes: { MaximumMessageSize: "1024" } }),
    );
    useQueue(queue.QueueUrl);
    const marker = `rejected-${Date.now()}`;
    await transaction(async () => {
      await emit({ action: "resource.updated", actor, details: { marker, size: "small" } });
      await emit({ action: "resource.updated", actor, details: { marker, size: "large", pad: "x".repeat(2_000) } });
    });
    const received = await receiveAll(queue.QueueUrl!);
    expect(received.map((event) => event.details.size)).toEqual(["small"]);
    expect((await rowsOfDetails(marker)).map((row) => row.details.size)).toEqual(["large"]);
  });

  it("writes through when the queue can't be reached, losing nothing", async () => {
    const port = await closedPort();
    process.env.AWS_ENDPOINT_URL_SQS = `http://127.0.0.1:${port}`;
    useQueue(`http://127.0.0.1:${port}/000000000000/audit`);
    const marker = `unreachable-${Date.now()}`;
    await transaction(async () => {
      for (let n = 0; n < 12; n++) await emit({ action: "member.added", actor, details: { marker, n } });
    });
    // Within the cool-down the queue is skipped, and the event is written through all the same.
    await emit({ action: "member.added", actor, details: { marker, n: 12 } });
    const rows = await rowsOfDetails(marker);
    expect(rows.map((row) => row.details.n).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 13 }, (_, n) => n),
    );
  });

  it("writes through when the queue does not exist", async () => {
    useQueue(`${aws.endpoint}/000000000000/no-such-queue`);
    const marker = `missing-${Date.now()}`;
    await emit({ action: "member.removed", actor, details: { marker } });
    expect(await rowsOfDetails(marker)).toHaveLength(1);
  });

  it("stores details JSONB would reject: NUL and unpaired surrogates become U+FFFD", async () => {
    useQueue(undefined);
    const marker = `unicode-${Date.now()}`;
    await emit({
      action: "user.updated",
      actor,
      details: {
        marker,
        after: { displayName: "a\u0000b x\udbffy \udc00 😀" },
        "k\u0000": [1, "\ud800"],
        at: new Date(0),
      },
    });
    const [row] = await rowsOfDetails(marker);
    expect(row!.details).toEqual({
      marker,
      after: { displayName: "a\uFFFDb x\uFFFDy \uFFFD 😀" },
      "k\uFFFD": [1, "\uFFFD"],
      at: "1970-01-01T00:00:00.000Z",
    });
  });

  it("does not fail the caller when a write-through fails outside a transaction", async () => {
    useQueue(undefined);
    await expect(emit({ action: "org.updated", actor, userId: randomUUID() })).resolves.toBeUndefined();
  });

  it("keeps an address INET can't store out of the event", () => {
    expect(toEvent({ action: "auth.login", actor: { type: "public", ip: "not-an-ip" } }).ipAddress).toBeNull();
    expect(toEvent({ action: "auth.login", actor: { type: "public", ip: "::1" } }).ipAddress).toBe("::1");
  });
});

function rowsOfDetails(marker: string) {
  return db().selectFrom("audit_log").selectAll().where(sql<string>`details->>'marker'`, "=", marker).execute();
}
