import { log } from "../log/index.ts";
import { deferIndexing } from "./index-backlog.ts";
import { AuditEvent } from "./event.ts";
import { indexEvents } from "./index-events.ts";
import { quickwit } from "./search.ts";
import { store } from "./store.ts";

/** A queue message as the consumer needs it; the Lambda handler maps SQS records to these. */
export interface QueueRecord {
  messageId: string;
  body: string;
}

export interface ConsumeResult {
  /** Message ids to report in batchItemFailures: SQS redelivers them, then dead-letters them. */
  failed: string[];
  /** Events whose row is in audit_log now (new or already there). */
  stored: number;
  /** Stored events Quickwit did not take now, listed for the index backlog job. */
  deferred: number;
}

/**
 * Stores a batch of queued events: one INSERT for the whole batch, idempotent on event id, then one
 * ingest into Quickwit. A malformed message fails alone; a database failure fails the records it
 * concerns, never the rest of the batch. A message is acknowledged once its event is stored and
 * either indexed or in the index backlog: indexing is retried from audit_log by a scheduled job,
 * so a Quickwit outage never keeps messages in the queue until they expire or dead-letter.
 */
export async function consume(records: readonly QueueRecord[]): Promise<ConsumeResult> {
  const failed = new Set<string>();
  const parsed: { messageId: string; event: AuditEvent }[] = [];
  for (const record of records) {
    const event = parse(record);
    if (event) parsed.push({ messageId: record.messageId, event });
    else failed.add(record.messageId);
  }
  if (parsed.length === 0) return { failed: [...failed], stored: 0, deferred: 0 };

  // A redelivered message can share a batch with its first copy: one row, one document each.
  const byId = new Map<string, AuditEvent>();
  for (const { event } of parsed) byId.set(event.id, event);
  const events = [...byId.values()];

  const unstored = await storeBatch(events);
  const stored = events.filter((event) => !unstored.has(event.id));

  const search = quickwit();
  let unindexed = new Set<string>();
  if (search && stored.length > 0) {
    try {
      unindexed = await indexEvents(search, stored);
      if (unindexed.size > 0)
        log.warn("Quickwit rejected audit events; deferring them to the index backlog", { ids: [...unindexed] });
    } catch (error) {
      log.warn("audit events stored but not indexed; deferring them to the index backlog", {
        error: (error as Error).message,
        events: stored.length,
      });
      unindexed = new Set(stored.map((event) => event.id));
    }
  }
  let deferred = 0;
  if (unindexed.size > 0) {
    try {
      await deferIndexing([...unindexed]);
      deferred = unindexed.size;
      unindexed = new Set();
    } catch (error) {
      // Neither indexed nor listed: only the queue still knows, so the message must come back.
      log.error("audit events neither indexed nor deferred; reporting them for redelivery", {
        error: (error as Error).message,
        events: unindexed.size,
      });
    }
  }

  for (const { messageId, event } of parsed) {
    if (unstored.has(event.id) || unindexed.has(event.id)) failed.add(messageId);
  }
  return { failed: [...failed], stored: stored.length, deferred };
}

function parse(record: QueueRecord): AuditEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    log.warn("audit message is not JSON", { messageId: record.messageId });
    return undefined;
  }
  const result = AuditEvent.safeParse(json);
  if (result.success) return result.data;
  // Paths and messages only: the values may be anything a producer put there.
  const issues = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  log.warn("audit message does not match the event schema", { messageId: record.messageId, issues });
  return undefined;
}

/**
 * One INSERT for the batch; the ids it could not store. When the statement fails on the data
 * (an invalid or out-of-range value, a user id that does not exist) the events are stored one by
 * one, so only the offending ones are reported and the rest of the batch is kept.
 */
async function storeBatch(events: AuditEvent[]): Promise<Set<string>> {
  try {
    await store(events);
    return new Set();
  } catch (error) {
    if (!isDataError(error) || events.length === 1) {
      log.error("audit batch could not be stored", { error: (error as Error).message, events: events.length });
      return new Set(events.map((event) => event.id));
    }
  }
  const unstored = new Set<string>();
  for (const event of events) {
    try {
      await store([event]);
    } catch (error) {
      log.error("audit event could not be stored", { id: event.id, error: (error as Error).message });
      unstored.add(event.id);
    }
  }
  return unstored;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the row, not the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}
