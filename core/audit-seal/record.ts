import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Info as AuditEvent } from "../audit/schema.ts";
import type { AuditSealRow } from "../db/schema.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { leafHash, unpackLeaves } from "./merkle.ts";
import { SealBody } from "./body.ts";
import type { SealDigest } from "./schema.ts";

/** RFC 8785 (JCS): one byte sequence for one JSON value, whatever produced it. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value has no JSON form");
  return text;
}

/**
 * The leaf of an event: its canonical JSON as the API and exports show it (the nine fields, nothing
 * else), so anybody holding an exported line can recompute it.
 */
export function eventLeaf(event: AuditEvent): Buffer {
  return leafHash(eventJson(event));
}

const text = (value: string | null) => JSON.stringify(value);

/**
 * The JCS form of the nine fields, the outer object written out by hand (the sealer's hot path):
 * members in JCS order (UTF-16 code units of the names) and strings as JSON.stringify writes them,
 * which is what RFC 8785 specifies; `details`, arbitrary JSON, goes through the library. The test
 * holds it equal to canonicalize() of the whole object.
 */
export function eventJson(event: AuditEvent): string {
  return (
    `{"action":${text(event.action)},"createdAt":${text(event.createdAt)},"details":${canonicalJson(event.details)},"id":${text(event.id)},` +
    `"ipAddress":${text(event.ipAddress)},"orgId":${text(event.orgId)},"resourceId":${text(event.resourceId)},` +
    `"resourceType":${text(event.resourceType)},"userId":${text(event.userId)}}`
  );
}

/** Tree order: creation time, then id (the order of the trail). */
export function compareEvents(a: { id: string; createdAt: string }, b: { id: string; createdAt: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const chainOf = (orgId: string | null): string => orgId ?? "platform";

export function indexHash(eventIds: readonly string[], eventTimes: readonly string[]): string {
  return createHash("sha256")
    .update(canonicalJson(eventIds.map((id, index) => [id, eventTimes[index] ?? null])))
    .digest("hex");
}

export function sealHash(body: SealBody): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

const signedFields = onFirstUse(() => Object.keys(SealBody().shape) as (keyof SealBody)[]);

/** Only the signed fields, in case the object carries more (a digest, a row). */
export function bodyOf(seal: SealBody): SealBody {
  return Object.fromEntries(signedFields().map((field) => [field, seal[field]])) as SealBody;
}

export function digestOf(row: AuditSealRow): SealDigest {
  return {
    v: 1,
    chain: row.chain,
    orgId: row.org_id,
    seq: row.seq,
    prevHash: row.prev_hash,
    merkleRoot: row.merkle_root,
    indexHash: indexHash(
      row.event_ids,
      row.event_times.map((time) => time.toISOString()),
    ),
    eventCount: row.event_count,
    firstEventAt: row.first_event_at.toISOString(),
    lastEventAt: row.last_event_at.toISOString(),
    sealedAt: row.sealed_at.toISOString(),
    keyId: row.key_id,
    hash: row.hash,
    signature: row.signature,
    eventIds: row.event_ids,
    eventTimes: row.event_times.map((time) => time.toISOString()),
    // A length that is no multiple of 32 leaves a short tail out, and the leaf count check catches it.
    leaves: row.leaves.length % 32 === 0 ? unpackLeaves(row.leaves).map((leaf) => leaf.toString("hex")) : ["truncated"],
  };
}
