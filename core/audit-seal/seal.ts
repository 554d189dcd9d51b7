import { type Insertable, sql } from "kysely";
import { toInfo } from "../audit/info.ts";
import type { Info as AuditEvent } from "../audit/schema.ts";
import { config } from "../config/index.ts";
import { db, isUniqueViolation, transaction } from "../db/index.ts";
import type { AuditRow, AuditSealsTable } from "../db/schema.ts";
import { log } from "../log/index.ts";
import { publishPending, publishSeals } from "./digest.ts";
import { signingKey, signMessage, type SigningKey } from "./keys.ts";
import { merkleRoot, packLeaves } from "./merkle.ts";
import { bodyOf, canonicalJson, chainOf, compareEvents, eventLeaf, indexHash, sealHash } from "./record.ts";
import type { SealBody } from "./body.ts";
import type { SealDigest } from "./schema.ts";

/** Events one seal covers at most; a chain with more pending is sealed over several seals. */
export const SEAL_MAX_EVENTS = 5_000;
/** Events one sealing transaction takes, reads and hashes at most. */
export const BATCH_MAX_EVENTS = 5_000;
/** Seals one transaction inserts at most (15 parameters each, under PostgreSQL's 65,535). */
const BATCH_MAX_SEALS = 2_000;
/** Chains looked at a round, oldest pending event first. */
const CHAINS_A_ROUND = 2_000;
/** The platform chain's key where a batch's chains are joined by id (no organization has the nil UUID). */
const PLATFORM_KEY = "00000000-0000-0000-0000-000000000000";

export interface SealRunOptions {
  /** Asked before each batch: the job stops early rather than overrun its schedule. */
  shouldStop?: () => boolean;
  /** Write each seal's digest object to the bucket (the job does; most tests don't need it). */
  publish?: boolean;
  /** Only these chains (organization ids; null for the platform's): an operator sealing one, tests. */
  only?: readonly (string | null)[];
  /** Told of each batch's seals once their transaction committed (a bench observes the lag with it). */
  onSealed?: (seals: readonly SealDigest[]) => void | Promise<void>;
}

export interface SealRunResult {
  seals: number;
  events: number;
  published: number;
  /** Batches another sealer got to first (their events are sealed, by that sealer). */
  raced: number;
  /** Nothing listed when the run started was left unsealed when it ended. */
  complete: boolean;
}

interface PendingChain {
  orgId: string | null;
  /** Events the chain's next seal takes at most. */
  count: number;
  /** More are listed than one seal takes. */
  capped: boolean;
}

/**
 * Seals, chain by chain, the events listed when the run starts (each chain's events stored since
 * its last seal), in bounded batches until they are sealed or `shouldStop` says so. Events stored
 * meanwhile wait for the next run: chasing them kept a backend busy for the whole budget, a seal
 * of a few events per chain at a time, beside the consumer.
 * Storage order, not event time, decides which seal an event lands in: the consumer lists each
 * event it stores in audit_unsealed, and a seal covers exactly the rows its transaction removed
 * from there (DELETE ... RETURNING). An event that arrives late (a redelivery, a backlog) or commits
 * after the sealer's snapshot is simply still listed at the next run, and the seal that covers it
 * says so by its time range. Audit rows are never written: which seal covers an event goes to
 * audit_seal_events. Two sealers never cover one event twice: a listed row is removed once, an
 * event has one audit_seal_events row and a seal's (chain, seq) is a primary key, so the later of
 * two racing transactions rolls back whole (or retries, on a serialization failure, and finds the
 * rows gone).
 */
export async function sealPending(options: SealRunOptions = {}): Promise<SealRunResult> {
  const key = signingKey();
  if (!key) throw new Error("AUDIT_SEAL_KEY is not set: there is no key to seal with");
  const shouldStop = options.shouldStop ?? (() => false);
  const result: SealRunResult = { seals: 0, events: 0, published: 0, raced: 0, complete: false };
  if (options.publish) result.published += await publishPending(shouldStop);

  // Which chains a round may list: at first every one (or `only`); once a round has seen the whole
  // list, only those it could not finish (more than a seal takes). Chains it finished are not
  // listed again, whatever has arrived in them since: that waits for the next run.
  let scope = options.only;
  const finished: (string | null)[] = [];
  for (let round = 0; !shouldStop() && round < 1_000; round++) {
    const chains = await pendingChains(scope, finished);
    if (chains.length === 0) {
      result.complete = true;
      break;
    }
    // Batches hold disjoint chains, so lanes never contend with each other; each holds a connection.
    const batches = pack(chains);
    const lane = async () => {
      for (let batch = batches.shift(); batch && !shouldStop(); batch = batches.shift()) {
        const sealed = await sealBatch(batch, key);
        if (!sealed) {
          result.raced++;
          continue;
        }
        await options.onSealed?.(sealed);
        result.seals += sealed.length;
        result.events += sealed.reduce((sum, seal) => sum + seal.eventCount, 0);
        if (options.publish) {
          // Not `+=` over the await: the other lane's count would be read before it and lost.
          const written = await publishSeals(sealed);
          result.published += written;
        }
      }
    };
    await Promise.all(Array.from({ length: config().auditSeal.lanes }, lane));
    if (shouldStop()) break;
    finished.push(...chains.filter((chain) => !chain.capped).map((chain) => chain.orgId));
    if (chains.length < CHAINS_A_ROUND) {
      const capped = chains.filter((chain) => chain.capped).map((chain) => chain.orgId);
      if (capped.length === 0) {
        result.complete = true;
        break;
      }
      scope = capped;
    }
  }
  return result;
}

async function pendingChains(
  only: readonly (string | null)[] | undefined,
  except: readonly (string | null)[],
): Promise<PendingChain[]> {
  const ids = (chains: readonly (string | null)[]) => chains.filter((id): id is string => id !== null);
  const conditions = [
    only
      ? sql`(org_id = ANY(${ids(only)}::uuid[]) OR (${only.includes(null)}::boolean AND org_id IS NULL))`
      : sql`true`,
    // NOT (org_id = ANY(…)) alone would also drop the platform chain: NULL = ANY(…) is NULL.
    sql`(org_id IS NULL OR NOT (org_id = ANY(${ids(except)}::uuid[])))`,
    sql`(org_id IS NOT NULL OR NOT ${except.includes(null)}::boolean)`,
  ];
  const { rows } = await sql<{ org_id: string | null; pending: number }>`
    SELECT org_id, count(*)::int AS pending
    FROM audit_unsealed
    WHERE ${sql.join(conditions, sql` AND `)}
    GROUP BY org_id
    ORDER BY min(created_at)
    LIMIT ${CHAINS_A_ROUND}
  `.execute(db());
  return rows.map((row) => ({
    orgId: row.org_id,
    count: Math.min(row.pending, SEAL_MAX_EVENTS),
    capped: row.pending > SEAL_MAX_EVENTS,
  }));
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

/** One transaction: take the batch's pending events off the list, read them and the chain heads, insert the seals. */
async function sealBatch(batch: PendingChain[], key: SigningKey): Promise<SealDigest[] | undefined> {
  const chainKeys = batch.map((chain) => chain.orgId ?? PLATFORM_KEY);
  const takes = batch.map((chain) => chain.count);
  try {
    return await transaction(async (tx) => {
      // One statement removes and reads: whatever it removed is what these seals cover, whatever
      // it did not see (committed since) stays listed. A listed event whose row is gone (deleted
      // before it was sealed) is dropped from the list: nothing is left to seal.
      const { rows } = await sql<AuditRow>`
        WITH wanted AS (
          SELECT * FROM unnest(${chainKeys}::uuid[], ${takes}::int[]) AS w(chain_key, take)
        ),
        taken AS (
          DELETE FROM audit_unsealed
          -- By primary key, the batch's ids as one array: IN (subquery) hashed them and matched a
          -- second scan of the whole list against them, the dead rows of the run's earlier batches
          -- included (a twelfth of a minute's list removed a batch, the whole list scanned twice).
          WHERE event_id = ANY(ARRAY(
            SELECT event_id FROM (
              SELECT u.event_id, w.take,
                     row_number() OVER (PARTITION BY u.org_id ORDER BY u.created_at, u.event_id) AS n
              FROM audit_unsealed u
              -- A hash join on the chain's key, where = ANY(array) would compare each listed row
              -- with every chain of the batch.
              JOIN wanted w ON w.chain_key = coalesce(u.org_id, ${PLATFORM_KEY}::uuid)
            ) listed
            -- As many as the chain had listed when the round counted them, not what has arrived
            -- since: the batch stays within its bounds and the run within what it found.
            WHERE n <= take
          ))
          RETURNING event_id
        )
        -- The events by primary key, as one array: joined to the CTE, whose row count the planner
        -- can't know (it guessed ten times the batch), it hashed the whole of audit_log a batch.
        SELECT a.id, a.org_id, a.user_id, a.action, a.resource_type, a.resource_id, a.details, a.ip_address, a.created_at
        FROM audit_log a
        WHERE a.id = ANY(ARRAY(SELECT event_id FROM taken))
      `.execute(tx);
      if (rows.length === 0) return [];

      const byChain = new Map<string, { orgId: string | null; events: AuditEvent[] }>();
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
      const sealRows: Insertable<AuditSealsTable>[] = [];
      const covered: { ids: string[]; seqs: number[] } = { ids: [], seqs: [] };
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
        const seal: SealDigest = {
          ...body,
          hash: sealHash(body),
          signature: signMessage(key, canonicalJson(bodyOf(body))),
          eventIds,
          eventTimes,
          leaves: leaves.map((leaf) => leaf.toString("hex")),
        };
        seals.push(seal);
        sealRows.push({
          chain,
          seq: seal.seq,
          org_id: orgId,
          prev_hash: seal.prevHash,
          merkle_root: seal.merkleRoot,
          event_count: seal.eventCount,
          event_ids: eventIds,
          event_times: eventTimes,
          // From the hashes, not back from the digest's hex.
          leaves: packLeaves(leaves),
          first_event_at: seal.firstEventAt,
          last_event_at: seal.lastEventAt,
          sealed_at: sealedAt,
          key_id: seal.keyId,
          hash: seal.hash,
          signature: seal.signature,
        });
        for (const event of events) {
          covered.ids.push(event.id);
          covered.seqs.push(body.seq);
        }
      }

      await tx.insertInto("audit_seals").values(sealRows).execute();
      await sql`
        INSERT INTO audit_seal_events (event_id, seq)
        SELECT * FROM unnest(${covered.ids}::uuid[], ${covered.seqs}::bigint[])
      `.execute(tx);
      return seals;
    });
  } catch (error) {
    // Only a seal number taken first is a race. An event already covered (its audit_seal_events row
    // exists) would stall its chain on every run if passed off as one: that fails loudly instead.
    if (isUniqueViolation(error, "audit_seals_pkey")) {
      log.info("another sealer sealed part of this batch first; it is left to that one", { chains: batch.length });
      return undefined;
    }
    throw error;
  }
}
