import type { KeyObject } from "node:crypto";
import type { Info as AuditEvent } from "../audit/schema.ts";
import { verifyMessage } from "./keys.ts";
import { merkleRoot } from "./merkle.ts";
import { bodyOf, canonicalJson, compareEvents, eventLeaf, indexHash, sealHash } from "./record.ts";
import type { ChainBreak, SealDigest, VerifyResult } from "./schema.ts";

export interface ChainEvidence {
  chain: string;
  /** Contiguous seals of one chain, in any order. */
  seals: readonly SealDigest[];
  /** The seal just before the first one, when there is one and it is at hand: the link is checked too. */
  predecessor?: SealDigest | null;
  /** The events that claim one of those seals (sealSeq) or none yet (null). */
  events: readonly { event: AuditEvent; sealSeq: number | null }[];
  keys: ReadonlyMap<string, KeyObject>;
  /**
   * The creation times the events at hand were selected by: a sealed event outside it may be
   * absent, one inside it must be there. Unbounded when every event of the seals is at hand.
   */
  range?: TimeRange;
}

/** Normalized ISO-8601 UTC instants (toISOString): [from, to). */
export interface TimeRange {
  from?: string;
  to?: string;
}

/**
 * Recomputes a chain from the seals and events at hand: the route runs it on database rows and the
 * offline verifier on an export, so both report the same break for the same tampering. Each seal
 * is checked as published (body hash, leaves against the signed root, link, signature), then its
 * events against it; the first break in chain order is the answer.
 */
export function verifyChain(input: ChainEvidence): VerifyResult {
  const seals = [...input.seals].sort((a, b) => a.seq - b.seq);
  const bySeal = new Map<number, AuditEvent[]>();
  let unsealed = 0;
  let sealed = 0;
  for (const { event, sealSeq } of input.events) {
    if (sealSeq === null) {
      unsealed++;
      continue;
    }
    const list = bySeal.get(sealSeq) ?? [];
    list.push(event);
    bySeal.set(sealSeq, list);
  }

  const breaks: ChainBreak[] = [];
  const present = new Set(seals.map((seal) => seal.seq));
  for (const seq of bySeal.keys()) {
    if (!present.has(seq))
      breaks.push({ kind: "seal_missing", seq, detail: `events name seal ${seq}, which is missing` });
  }

  let previous = input.predecessor ?? undefined;
  for (const seal of seals) {
    if (previous && seal.seq !== previous.seq + 1) {
      if (seal.seq === previous.seq)
        breaks.push({ kind: "chain_broken", seq: seal.seq, detail: `seal ${seal.seq} appears twice` });
      else
        breaks.push({
          kind: "seal_missing",
          seq: previous.seq + 1,
          detail: `seals ${previous.seq + 1}..${seal.seq - 1} are missing`,
        });
    }
    const found =
      checkSeal(seal, previous, input.keys) ?? checkEvents(seal, bySeal.get(seal.seq) ?? [], input.range ?? {});
    if (found) breaks.push(found);
    sealed += bySeal.get(seal.seq)?.length ?? 0;
    previous = seal;
  }

  breaks.sort((a, b) => a.seq - b.seq);
  return {
    holds: breaks.length === 0,
    chain: input.chain,
    seals: { count: seals.length, firstSeq: seals[0]?.seq ?? null, lastSeq: seals.at(-1)?.seq ?? null },
    events: { sealed, unsealed },
    firstBreak: breaks[0] ?? null,
  };
}

function checkSeal(
  seal: SealDigest,
  previous: SealDigest | undefined,
  keys: ReadonlyMap<string, KeyObject>,
): ChainBreak | undefined {
  const at = (kind: ChainBreak["kind"], detail: string): ChainBreak => ({ kind, seq: seal.seq, detail });
  const body = bodyOf(seal);
  if (sealHash(body) !== seal.hash) return at("seal_altered", `seal ${seal.seq} does not hash to its recorded hash`);
  const counts = [seal.leaves.length, seal.eventIds.length, seal.eventTimes.length];
  if (counts.some((count) => count !== seal.eventCount) || !seal.leaves.every((leaf) => /^[0-9a-f]{64}$/.test(leaf))) {
    return at(
      "seal_altered",
      `seal ${seal.seq} lists ${counts.join("/")} leaves/ids/times for ${seal.eventCount} events`,
    );
  }
  if (indexHash(seal.eventIds, seal.eventTimes) !== seal.indexHash)
    return at("seal_altered", `seal ${seal.seq}'s event list does not make its index hash`);
  if (merkleRoot(seal.leaves.map((leaf) => Buffer.from(leaf, "hex"))).toString("hex") !== seal.merkleRoot) {
    return at("seal_altered", `seal ${seal.seq}'s leaves do not make its Merkle root`);
  }
  if (previous ? seal.prevHash !== previous.hash : seal.seq === 1 && seal.prevHash !== null) {
    return at("chain_broken", `seal ${seal.seq} does not link to the hash of seal ${seal.seq - 1}`);
  }
  const key = keys.get(seal.keyId);
  if (!key) return at("unknown_key", `seal ${seal.seq} names key ${seal.keyId}, which is not among the published keys`);
  if (!verifyMessage(key, canonicalJson(body), seal.signature)) {
    return at("signature_invalid", `seal ${seal.seq}'s signature does not verify with key ${seal.keyId}`);
  }
  return undefined;
}

function checkEvents(seal: SealDigest, events: AuditEvent[], range: TimeRange): ChainBreak | undefined {
  const at = (kind: ChainBreak["kind"], eventId: string, detail: string): ChainBreak => ({
    kind,
    seq: seal.seq,
    eventId,
    detail,
  });
  const present = new Map<string, AuditEvent>();
  for (const event of events) {
    if (present.has(event.id)) return at("event_inserted", event.id, `event ${event.id} appears more than once`);
    present.set(event.id, event);
  }
  const position = new Map(seal.eventIds.map((id, index) => [id, index]));
  for (const [index, id] of seal.eventIds.entries()) {
    if (inRange(seal.eventTimes[index]!, range) && !present.has(id))
      return at("event_deleted", id, `event ${id}, sealed by seal ${seal.seq}, is missing`);
  }
  for (const event of events) {
    if (!position.has(event.id))
      return at("event_inserted", event.id, `event ${event.id} claims seal ${seal.seq}, which does not cover it`);
  }
  // The events at hand, in the order they have now and in the order the seal fixed.
  const ordered = [...events].sort(compareEvents);
  const sealedOrder = seal.eventIds.filter((id) => present.has(id));
  for (let index = 0; index < ordered.length; index++) {
    if (ordered[index]!.id !== sealedOrder[index]) {
      return at(
        "events_swapped",
        sealedOrder[index]!,
        `events ${sealedOrder[index]} and ${ordered[index]!.id} are out of their sealed order`,
      );
    }
  }
  for (const event of ordered) {
    if (eventLeaf(event).toString("hex") !== seal.leaves[position.get(event.id)!]) {
      return at("event_modified", event.id, `event ${event.id} differs from what seal ${seal.seq} sealed`);
    }
  }
  return undefined;
}

/** ISO-8601 UTC instants with milliseconds compare as text. */
function inRange(time: string, range: TimeRange): boolean {
  return (range.from === undefined || time >= range.from) && (range.to === undefined || time < range.to);
}
