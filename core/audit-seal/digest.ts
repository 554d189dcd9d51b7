import { PutObjectCommand } from "@aws-sdk/client-s3";
import { sql } from "kysely";
import { s3 } from "../audit/export.ts";
import { config } from "../config/index.ts";
import { db } from "../db/index.ts";
import { log } from "../log/index.ts";
import { SEAL_DIGEST_PREFIX } from "./digest-prefix.ts";
import { digestOf } from "./record.ts";
import type { SealDigest } from "./schema.ts";

/** Digest objects written to the bucket at a time. */
const PUTS_IN_FLIGHT = 8;
/** Unpublished seals taken up again a run, oldest first. */
const RETRY_BATCH = 2_000;

/** Where a seal's digest object lives: one prefix a chain, names that sort by sequence. */
export function digestKey(seal: { chain: string; seq: number }): string {
  return `${SEAL_DIGEST_PREFIX}${seal.chain}/${String(seal.seq).padStart(12, "0")}.json`;
}

/**
 * Writes digest objects (one JSON object a seal) and marks the ones written. A failure leaves the
 * seal unpublished for the next run to retry: the seal itself is already committed. Returns how
 * many were written.
 */
export async function publishSeals(seals: readonly SealDigest[]): Promise<number> {
  const written: SealDigest[] = [];
  let next = 0;
  const worker = async () => {
    while (next < seals.length) {
      const seal = seals[next++]!;
      try {
        await s3().send(
          new PutObjectCommand({
            Bucket: config().s3Bucket,
            Key: digestKey(seal),
            Body: JSON.stringify(seal),
            ContentType: "application/json",
          }),
        );
        written.push(seal);
      } catch (error) {
        log.warn("seal digest not written; retried on the next run", {
          chain: seal.chain,
          seq: seal.seq,
          error: (error as Error).message,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUTS_IN_FLIGHT, seals.length) }, worker));
  if (written.length > 0) {
    await sql`
      UPDATE audit_seals SET published_at = now()
      FROM unnest(${written.map((seal) => seal.chain)}::text[], ${written.map((seal) => seal.seq)}::bigint[]) AS w(chain, seq)
      WHERE audit_seals.chain = w.chain AND audit_seals.seq = w.seq
    `.execute(db());
  }
  return written.length;
}

/** Seals committed earlier whose digest could not be written then. */
export async function publishPending(shouldStop: () => boolean): Promise<number> {
  let published = 0;
  while (!shouldStop()) {
    const rows = await db()
      .selectFrom("audit_seals")
      .selectAll()
      .where("published_at", "is", null)
      .orderBy("sealed_at")
      .limit(RETRY_BATCH)
      .execute();
    if (rows.length === 0) break;
    const written = await publishSeals(rows.map(digestOf));
    published += written;
    if (written < rows.length) break;
  }
  return published;
}
