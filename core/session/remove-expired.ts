import { sql } from "kysely";
import { config } from "../config/index.ts";
import { db, retrying } from "../db/index.ts";

export const MAX_CLEANUP_BATCH = 5_000;

export interface RemoveExpiredOptions {
  /** Rows a statement deletes at most; capped at MAX_CLEANUP_BATCH. */
  batchSize?: number;
  /** Asked before each batch: true ends the run early (the Lambda's time is running out). */
  shouldStop?: () => boolean;
}

export interface RemoveExpiredResult {
  deleted: number;
  batches: number;
  /** False when shouldStop ended the run before the last expired row was gone. */
  complete: boolean;
}

/** A position in the expiry index; expires_at as the database's text, so microseconds survive. */
interface ExpiryKey {
  expiresAt: string;
  id: string;
}

/** A stretch of expiry times, [start, end); no start for the first one. */
interface ExpirySlice {
  start: Date | undefined;
  end: Date;
}

/**
 * Stretches of expiry time each lane takes in turn. More than one a lane, so a lane that drew a
 * stretch with few sessions takes another instead of waiting for the busiest one.
 */
const SLICES_PER_LANE = 4;

/**
 * Deletes expired sessions in bounded batches, each a statement of its own (its own transaction,
 * as YugabyteDB wants), one a pool connection at a time. The time from the oldest expiry to now is
 * cut into slices, and each lane walks one slice after another in batches along the expires_at
 * index, keyed on (expires_at, id) so ties never make a batch larger: an index-only read finds
 * where the batch ends, a range predicate on that index deletes it, with no re-scan of what
 * earlier batches deleted and no probe per id. Two runs at once may delete the same range: one
 * waits on the other's row locks and finds the rows gone, and a deadlock is retried.
 */
export async function removeExpired(options: RemoveExpiredOptions = {}): Promise<RemoveExpiredResult> {
  const size = Math.max(1, Math.min(Math.floor(options.batchSize ?? MAX_CLEANUP_BATCH), MAX_CLEANUP_BATCH));
  // Fixed for the run, so sessions expiring meanwhile can't keep it going forever.
  const cutoff = new Date();
  const { oldest } = await db()
    .selectFrom("user_sessions")
    .select((eb) => eb.fn.min("expires_at").as("oldest"))
    .executeTakeFirstOrThrow();
  // A bulk delete is bound by the database's work per row, which YugabyteDB spreads over tablets and
  // PostgreSQL over cores only when the statements run side by side: one lane a pool connection.
  const lanes = config().databasePoolMax;
  const slices = oldest === null ? [] : sliceTime(new Date(oldest), cutoff, lanes * SLICES_PER_LANE);
  let stopped = false;
  let deleted = 0;
  let batches = 0;

  const lane = async () => {
    for (let slice = slices.shift(); slice && !stopped; slice = slices.shift()) {
      let after: ExpiryKey | undefined;
      for (;;) {
        if (options.shouldStop?.()) {
          stopped = true;
          return;
        }
        const until = await batchEnd(slice, after, size);
        const from = after;
        const result = await retrying(() =>
          sql`delete from user_sessions where ${inSlice(slice, from, until)}`.execute(db()),
        );
        // Added after the await: the other lane's count may have landed meanwhile.
        deleted += Number(result.numAffectedRows ?? 0);
        batches++;
        if (!until) break;
        after = until;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } catch (error) {
    // The other lane finishes its statement and takes no further batch.
    stopped = true;
    throw error;
  }
  return { deleted, batches, complete: !stopped };
}

/** `count` equal stretches from `oldest` (taken as open-ended, to lose no microsecond) to `cutoff`. */
function sliceTime(oldest: Date, cutoff: Date, count: number): ExpirySlice[] {
  if (oldest >= cutoff) return [];
  const step = (cutoff.getTime() - oldest.getTime()) / count;
  const cuts = Array.from({ length: count - 1 }, (_, i) => new Date(oldest.getTime() + Math.ceil(step * (i + 1))));
  return [...cuts, cutoff].map((end, i) => ({ start: i === 0 ? undefined : cuts[i - 1], end }));
}

/** Sessions of the slice after `after` (from its start without one) up to and including `until`. */
function inSlice(slice: ExpirySlice, after: ExpiryKey | undefined, until?: ExpiryKey) {
  return sql.join(
    [
      sql`expires_at < ${slice.end}`,
      slice.start ? sql`expires_at >= ${slice.start}` : undefined,
      after ? sql`(expires_at, id) > (${after.expiresAt}::timestamptz, ${after.id}::uuid)` : undefined,
      until ? sql`(expires_at, id) <= (${until.expiresAt}::timestamptz, ${until.id}::uuid)` : undefined,
    ].filter((condition) => condition !== undefined),
    sql` and `,
  );
}

/** The last key of the next batch, read from the index alone; none when less than a batch is left. */
async function batchEnd(
  slice: ExpirySlice,
  after: ExpiryKey | undefined,
  size: number,
): Promise<ExpiryKey | undefined> {
  const { rows } = await sql<ExpiryKey>`
    select expires_at::text as "expiresAt", id from user_sessions
    where ${inSlice(slice, after)}
    order by expires_at, id
    offset ${size - 1} limit 1`.execute(db());
  return rows[0];
}
