import { callSqs, SqsError, type SendMessageBatchEntry, type SendMessageBatchOutput } from "../aws/index.ts";
import { config } from "../config/index.ts";
import { log } from "../log/index.ts";
import type { AuditEvent } from "./event.ts";

/** SendMessageBatch's limits: 10 entries, and 256 KiB for the bodies of one call together. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * After a call that could not reach the queue, events skip it for this long and go straight to the
 * database: during an outage a request pays for the dead queue once, not on every change.
 */
const COOLDOWN_MS = 5_000;

let unreachableUntil = 0;
let unreachableEndpoint: string | undefined;

/** The cooldown belongs to an endpoint: the local server or a test pointing elsewhere starts afresh. */
function inCooldown(): boolean {
  return unreachableEndpoint === config().aws.sqsEndpoint && Date.now() < unreachableUntil;
}

/**
 * Groups events into SendMessageBatch calls of at most 10 entries and 256 KiB. An event that can't
 * fit a call on its own is left out and returned in `oversized`.
 */
export function planBatches(events: readonly AuditEvent[]): {
  batches: SendMessageBatchEntry[][];
  oversized: AuditEvent[];
} {
  const batches: SendMessageBatchEntry[][] = [];
  const oversized: AuditEvent[] = [];
  let current: SendMessageBatchEntry[] = [];
  let bytes = 0;
  for (const event of events) {
    const body = JSON.stringify(event);
    const size = Buffer.byteLength(body);
    if (size > MAX_BATCH_BYTES) {
      oversized.push(event);
      continue;
    }
    if (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    // Entry ids only need to be unique within a call; the event id is, and it maps failures back.
    current.push({ Id: event.id, MessageBody: body });
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}

/**
 * Sends events to the audit queue. Returns those the queue did not accept (a failed entry, a call
 * that failed after the SDK's retries, an event too large for SQS): the caller writes them through.
 */
export async function sendToQueue(queueUrl: string, events: readonly AuditEvent[]): Promise<AuditEvent[]> {
  if (events.length === 0) return [];
  if (inCooldown()) return [...events];
  const byId = new Map(events.map((event) => [event.id, event]));
  const { batches, oversized } = planBatches(events);
  const unsent: AuditEvent[] = [...oversized];
  const results = await Promise.allSettled(
    batches.map((entries) =>
      callSqs<SendMessageBatchOutput>("SendMessageBatch", { QueueUrl: queueUrl, Entries: entries }),
    ),
  );
  results.forEach((result, index) => {
    const entries = batches[index]!;
    if (result.status === "rejected") {
      const error = result.reason as Error;
      // No HTTP answer at all: the queue is unreachable, not merely refusing this call.
      if (!(error instanceof SqsError) || error.status === undefined) {
        unreachableUntil = Date.now() + COOLDOWN_MS;
        unreachableEndpoint = config().aws.sqsEndpoint;
      }
      log.warn("audit queue send failed; writing through", {
        error: error.message,
        code: error instanceof SqsError ? error.code : error.name,
        events: entries.length,
      });
      for (const entry of entries) unsent.push(byId.get(entry.Id)!);
      return;
    }
    for (const failed of result.value.Failed ?? []) {
      log.warn("audit queue rejected an entry; writing through", {
        id: failed.Id,
        code: failed.Code,
        senderFault: failed.SenderFault,
      });
      const event = byId.get(failed.Id ?? "");
      if (event) unsent.push(event);
    }
  });
  return unsent;
}

/** For the health check: the queue answers GetQueueAttributes. */
export async function queueReachable(queueUrl: string): Promise<boolean> {
  await callSqs("GetQueueAttributes", { QueueUrl: queueUrl, AttributeNames: ["QueueArn"] });
  return true;
}
