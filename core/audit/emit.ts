import { isIP } from "node:net";
import { uuidv7 } from "uuidv7";
import type { Actor } from "../actor/index.ts";
import { redact } from "../changes/index.ts";
import { config } from "../config/index.ts";
import { afterCommit, useTransaction } from "../db/index.ts";
import { log } from "../log/index.ts";
import { sendToQueue } from "./queue.ts";
import type { AuditEvent } from "./event.ts";
import type { AuditAction } from "./action.ts";
import { indexEvents } from "./index-events.ts";
import { quickwit } from "./search.ts";
import { store } from "./store.ts";

export interface AuditInput {
  action: AuditAction;
  actor: Actor;
  /** Overrides the actor's user (a registration or a failed login has no session yet). */
  userId?: string | null;
  orgId?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  /** Never secrets: no passwords, tokens or token hashes (credential-like values are redacted anyway). */
  details?: Record<string, unknown>;
}

export function toEvent(input: AuditInput): AuditEvent {
  const ip = input.actor.ip;
  return {
    // Time-ordered: ids sort like the events, and a producer retry can't mint a second identity.
    id: uuidv7(),
    orgId: input.orgId ?? null,
    userId: input.userId !== undefined ? input.userId : input.actor.type === "user" ? input.actor.userId : null,
    action: input.action,
    resourceType: input.resourceType ?? null,
    resourceId: input.resourceId ?? null,
    // Through JSON first: what reaches the queue and the table is JSON (dates as text, no undefined).
    // Redacted here too, whatever the caller did: every event passes this point, and the trail is
    // exported and indexed.
    details: storable(redact(JSON.parse(JSON.stringify(input.details ?? {})))) as Record<string, unknown>,
    // INET takes nothing else; an odd source address must not make the event unstorable.
    ipAddress: ip && isIP(ip) ? ip : null,
    createdAt: new Date().toISOString(),
  };
}

// NUL and unpaired surrogates: JSONB rejects both (a whole batch's INSERT with them), while a TEXT
// column quietly stores U+FFFD for a lone surrogate. The event keeps what the row itself holds.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storable(value: unknown): unknown {
  if (typeof value === "string") return value.replace(UNSTORABLE, "\uFFFD");
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === "object") {
    // Parsed JSON: plain objects only.
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storable(key) as string, storable(inner)]));
  }
  return value;
}

/** Events of one open transaction, delivered together once it commits. */
const pending = new WeakMap<object, AuditEvent[]>();

/**
 * Reports a change. Inside a transaction the event leaves only after the commit, so a rolled-back
 * change never shows up in the trail, and the transaction's events share their SendMessageBatch
 * calls. Outside one it is delivered before this returns.
 */
export async function emit(input: AuditInput): Promise<void> {
  const event = toEvent(input);
  await useTransaction(async (executor) => {
    // afterCommit runs it at once here, and a failed delivery is logged rather than failing a
    // change that already happened.
    if (!executor.isTransaction) return afterCommit(() => deliver([event]));
    const buffered = pending.get(executor);
    if (buffered) {
      buffered.push(event);
      return;
    }
    const events = [event];
    pending.set(executor, events);
    await afterCommit(() => deliver(events));
  });
}

/**
 * To the queue when there is one; whatever it did not accept, or everything without a queue, is
 * written through to the database (and the index) right away.
 */
export async function deliver(events: readonly AuditEvent[]): Promise<void> {
  const queueUrl = config().auditQueueUrl;
  const unsent = queueUrl ? await sendToQueue(queueUrl, events) : [...events];
  if (unsent.length > 0) await writeThrough(unsent);
}

async function writeThrough(events: AuditEvent[]): Promise<void> {
  try {
    await store(events);
  } catch (error) {
    // The change itself is committed. The log line is the last copy of the event: keep it whole
    // (details never hold secrets) so it can be replayed.
    log.error("audit events could not be stored", { error: (error as Error).message, events });
    throw error;
  }
  const search = quickwit();
  if (!search) return;
  try {
    await indexEvents(search, events);
  } catch (error) {
    // The database holds the record; only a text search would miss it.
    log.warn("written-through audit events not indexed", {
      error: (error as Error).message,
      ids: events.map((e) => e.id),
    });
  }
}
