import { sql } from "kysely";
import { toInfo } from "../audit/list.ts";
import type { AuditEventInfo } from "../audit/schema.ts";
import { config } from "../config/index.ts";
import { db, isUniqueViolation, transaction } from "../db/index.ts";
import type { AuditRow } from "../db/schema.ts";
import { log } from "../log/index.ts";
import { publishPending, publishSeals } from "./digest.ts";
import { signingKey, signMessage, type SigningKey } from "./keys.ts";
import { merkleRoot, packLeaves } from "./merkle.ts";
import { bodyOf, canonicalJson, chainOf, compareEvents, eventLeaf, indexHash, sealHash } from "./record.ts";
import type { SealBody, SealDigest } from "./schema.ts";

/** Events one seal covers at most; a chain with more pending is sealed over several seals. */
export const SEAL_MAX_EVENTS = 5_000;
/** Events one sealing transaction reads, hashes and marks at most. */
export const BATCH_MAX_EVENTS = 5_000;
/** Seals one transaction inserts at most (15 parameters each, under PostgreSQL's 65,535). */
const BATCH_MAX_SEALS = 2_000;
/** Chains looked at a round, oldest pending event first. */
const CHAINS_A_ROUND = 2_000;

export interface SealRunOptions {
  /** Asked before each batch: the job stops early rather than overrun its schedule. */
  shouldStop?: () => boolean;
  /** Write each seal's digest object to the bucket (the job does; most tests don't need it). */
  publish?: boolean;
  /** Only these chains (organization ids; null for the platform's): an operator sealing one, tests. */
  only?: readonly (string | null)[];
}

export interface SealRunResult {
  seals: number;
  events: number;
  published: number;
  /** Batches another sealer got to first (their events are sealed, by that sealer). */
  raced: number;
  /** Nothing was left unsealed when the run ended. */
  complete: boolean;
}

interface PendingChain {
  orgId: string | null;
  count: number;
}

/**
 * Seals, chain by chain, every event stored since that chain's last seal, in bounded batches until
 * nothing is pending or `shouldStop` says so. Storage order, not event time, decides which seal an
 * event lands in: an event that arrives late (a redelivery, a backlog) is simply pending at the next
 * run, and the seal that covers it says so by its time range. Two sealers never cover one event
 * twice: a seal's (chain, seq) is a primary key and an event is marked only while unmarked, so the
 * later of two racing transactions rolls back whole.
 */
export async function sealPending(options: SealRunOptions = {}): Promise<SealRunResult> {
  const key = signingKey();
  if (!key) throw new Error("AUDIT_SEAL_KEY is not set: there is no key to seal with");
  const shouldStop = options.shouldStop ?? (() => false);
  const result: SealRunResult = { seals: 0, events: 0, published: 0, raced: 0, complete: false };
  if (options.publish) result.published += await publishPending(shouldStop);

  for (let round = 0; !shouldStop() && round < 1_000; round++) {
    const chains = await pendingChains(options.only);
    if (chains.length === 0) {
      result.complete = true;
      break;
    }
    // Batches hold disjoint chains: as many run at once as the pool has connections.
    const batches = pack(chains);
    const lane = async () => {
      for (let batch = batches.shift(); batch && !shouldStop(); batch = batches.shift()) {
        const sealed = await sealBatch(batch, key);
        if (!sealed) {
          result.raced++;
          continue;
        }
        result.seals += sealed.length;
        result.events += sealed.reduce((sum, seal) => sum + seal.eventCount, 0);
        if (options.publish) {
          // Not `+=` over the await: the other lane's count would be read before it and lost.
          const written = await publishSeals(sealed);
          result.published += written;
        }
      }
    };
    await Promise.all(Array.from({ length: config().databasePoolMax }, lane));
  }
  return result;
}

async function pendingChains(only: readonly (string | null)[] | undefined): Promise<PendingChain[]> {
  const orgIds = only?.filter((id): id is string => id !== null) ?? [];
  const filter = only ? sql`AND (org_id = ANY(${orgIds}::uuid[]) OR (${only.includes(null)}::boolean AND org_id IS NULL))` : sql``;
  const { rows } = await sql<{ org_id: string | null; pending: number }>`
    SELECT org_id, count(*)::int AS pending
    FROM audit_log
    WHERE seal_seq IS NULL ${filter}
    GROUP BY org_id
    ORDER BY min(created_at)
    LIMIT ${CHAINS_A_ROUND}
  `.execute(db());
  return rows.map((row) => ({ orgId: row.org_id, count: Math.min(row.pending, SEAL_MAX_EVENTS) }));
}

/** Chains grouped into batches of at most BATCH_MAX_EVENTS events and BATCH_MAX_SEALS seals. */
function pack(chains: PendingChain[]): PendingChain[][] {
  const batches: PendingChain[][] = [];
  let batch: PendingChain[] = [];
  let events = 0;
  for (const chain of chains) {
    if (batch.length > 0 && (events + chain.count > BATCH_MAX_EVENTS || batch.length >= BATCH_MAX_SEALS)) {
      batches.push(batch);
      batch = [];
      events = 0;
    }
    batch.push(chain);
    events += chain.count;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** One transaction: read the batch's pending events and chain heads, insert the seals, mark the events. */
async function sealBatch(batch: PendingChain[], key: SigningKey): Promise<SealDigest[] | undefined> {
  const orgIds = batch.flatMap((chain) => (chain.orgId ? [chain.orgId] : []));
  const platform = batch.some((chain) => chain.orgId === null);
  try {
    return await transaction(async (tx) => {
      const { rows } = await sql<AuditRow>`
        SELECT id, org_id, user_id, action, resource_type, resource_id, details, ip_address, created_at
        FROM (
          SELECT id, org_id, user_id, action, resource_type, resource_id, details, ip_address, created_at,
                 row_number() OVER (PARTITION BY org_id ORDER BY created_at, id) AS n
          FROM audit_log
          WHERE seal_seq IS NULL AND (org_id = ANY(${orgIds}::uuid[]) OR (${platform}::boolean AND org_id IS NULL))
        ) pending
        WHERE n <= ${SEAL_MAX_EVENTS}
      `.execute(tx);
      if (rows.length === 0) return [];

      const byChain = new Map<string, { orgId: string | null; events: AuditEventInfo[] }>();
      for (const row of rows) {
        const chain = chainOf(row.org_id);
        const entry = byChain.get(chain) ?? { orgId: row.org_id, events: [] };
        entry.events.push(toInfo(row));
        byChain.set(chain, entry);
      }
      const { rows: heads } = await sql<{ chain: string; seq: number; hash: string }>`
        SELECT c.chain, s.seq, s.hash
        FROM unnest(${[...byChain.keys()]}::text[]) AS c(chain)
        CROSS JOIN LATERAL (
          SELECT seq, hash FROM audit_seals WHERE audit_seals.chain = c.chain ORDER BY seq DESC LIMIT 1
        ) s
      `.execute(tx);
      const headOf = new Map(heads.map((head) => [head.chain, head]));

      const sealedAt = new Date().toISOString();
      const seals: SealDigest[] = [];
      const marks: { ids: string[]; seqs: number[] } = { ids: [], seqs: [] };
      for (const [chain, { orgId, events }] of byChain) {
        events.sort(compareEvents);
        const head = headOf.get(chain);
        const leaves = events.map(eventLeaf);
        const eventIds = events.map((event) => event.id);
        const eventTimes = events.map((event) => event.createdAt);
        const body: SealBody = {
          v: 1,
          chain,
          orgId,
          seq: (head?.seq ?? 0) + 1,
          prevHash: head?.hash ?? null,
          merkleRoot: merkleRoot(leaves).toString("hex"),
          indexHash: indexHash(eventIds, eventTimes),
          eventCount: events.length,
          firstEventAt: events[0]!.createdAt,
          lastEventAt: events.at(-1)!.createdAt,
          sealedAt,
          keyId: key.kid,
        };
        seals.push({
          ...body,
          hash: sealHash(body),
          signature: signMessage(key, canonicalJson(bodyOf(body))),
          eventIds,
          eventTimes,
          leaves: leaves.map((leaf) => leaf.toString("hex")),
        });
        for (const event of events) {
          marks.ids.push(event.id);
          marks.seqs.push(body.seq);
        }
      }

      await tx
        .insertInto("audit_seals")
        .values(
          seals.map((seal) => ({
            chain: seal.chain,
            seq: seal.seq,
            org_id: seal.orgId,
            prev_hash: seal.prevHash,
            merkle_root: seal.merkleRoot,
            event_count: seal.eventCount,
            event_ids: seal.eventIds,
            event_times: seal.eventTimes,
            leaves: packLeaves(seal.leaves.map((leaf) => Buffer.from(leaf, "hex"))),
            first_event_at: seal.firstEventAt,
            last_event_at: seal.lastEventAt,
            sealed_at: seal.sealedAt,
            key_id: seal.keyId,
            hash: seal.hash,
            signature: seal.signature,
          })),
        )
        .execute();
      const marked = await sql`
        UPDATE audit_log SET seal_seq = marks.seq
        FROM unnest(${marks.ids}::uuid[], ${marks.seqs}::bigint[]) AS marks(id, seq)
        WHERE audit_log.id = marks.id AND audit_log.seal_seq IS NULL
      `.execute(tx);
      // Fewer rows than read: another sealer marked some in between. Its seals stand; this batch goes.
      if (Number(marked.numAffectedRows ?? 0) !== marks.ids.length) throw new LostRace();
      return seals;
    });
  } catch (error) {
    if (error instanceof LostRace || isUniqueViolation(error)) {
      log.info("another sealer sealed part of this batch first; it is left to that one", { chains: batch.length });
      return undefined;
    }
    throw error;
  }
}

class LostRace extends Error {
  override name = "LostRace";
}
