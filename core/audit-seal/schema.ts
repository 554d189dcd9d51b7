import * as z from "../zod/index.ts";
import { SealBody } from "./body.ts";
import { base64url, hex64 } from "./encoding.ts";

export { JwkSet } from "./jwk.ts";

// The shapes a seal is published in and a verification answers. What the functions need at run
// time lives apart (the signed body in ./body.ts, the keys in ./jwk.ts, the query in ./input.ts),
// so the keys and verification routes don't build these at init.

/**
 * A seal as it is published (the digest object in the bucket, a `seal` line of an export): the
 * body, its hash and signature, and the covered events' ids, creation times and leaf hashes in tree
 * order. Those lists are not signed one by one: the leaves must hash to the signed Merkle root, the
 * ids and times to the signed index hash. With the times, a verifier holding only part of a seal's
 * events (an export of a time range) knows which of the others belong in its range.
 */
export const SealDigest = z.extend(SealBody(), {
  hash: hex64,
  signature: base64url,
  eventIds: z.array(z.string()),
  eventTimes: z.array(z.string()),
  leaves: z.array(z.string()),
});
export type SealDigest = z.infer<typeof SealDigest>;

export const BreakKind = z.enum([
  "event_modified",
  "event_deleted",
  "event_inserted",
  "events_swapped",
  "seal_altered",
  "seal_missing",
  "chain_broken",
  "signature_invalid",
  "unknown_key",
]);
export type BreakKind = z.infer<typeof BreakKind>;

export const ChainBreak = z.object({
  kind: BreakKind,
  /** The seal where it shows. */
  seq: z.number(),
  eventId: z.optional(z.string()),
  detail: z.string(),
});
export type ChainBreak = z.infer<typeof ChainBreak>;

export const VerifyResult = z.object({
  holds: z.boolean(),
  chain: z.string(),
  seals: z.object({ count: z.number(), firstSeq: z.nullable(z.number()), lastSeq: z.nullable(z.number()) }),
  events: z.object({
    /** Events covered by the verified seals. */
    sealed: z.number(),
    /** Events in the range that no seal covers yet (stored since the last seal). */
    unsealed: z.number(),
  }),
  firstBreak: z.nullable(ChainBreak),
});
export type VerifyResult = z.infer<typeof VerifyResult>;
