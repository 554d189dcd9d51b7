import * as z from "../zod/index.ts";

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const base64url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/));

/** A public Ed25519 key as published in the key set (RFC 8037 OKP JWK). */
export const PublicJwk = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: base64url,
  kid: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  use: z.optional(z.literal("sig")),
  alg: z.optional(z.literal("EdDSA")),
});
export type PublicJwk = z.infer<typeof PublicJwk>;

export const PrivateJwk = z.extend(PublicJwk, { d: base64url });
export type PrivateJwk = z.infer<typeof PrivateJwk>;

export const JwkSet = z.object({
  keys: z.array(
    z.object({
      kty: z.literal("OKP"),
      crv: z.literal("Ed25519"),
      x: z.string(),
      kid: z.string(),
      use: z.literal("sig"),
      alg: z.literal("EdDSA"),
    }),
  ),
});
export type JwkSet = z.infer<typeof JwkSet>;

/** What a seal signs: its canonical JSON (RFC 8785) is the signed message and, hashed, the chain link. */
export const SealBody = z.object({
  v: z.literal(1),
  /** The organization's id, or "platform" for the events of no organization. */
  chain: z.string(),
  orgId: z.nullable(z.string()),
  seq: z.number().check(z.int(), z.positive()),
  /** The previous seal's hash; null for a chain's first seal. */
  prevHash: z.nullable(hex64),
  merkleRoot: hex64,
  /** SHA-256 of the canonical JSON of [[eventId, createdAt], …] in tree order: what the seal covers, by name. */
  indexHash: hex64,
  eventCount: z.number().check(z.int(), z.positive()),
  firstEventAt: z.isoDateTime(),
  lastEventAt: z.isoDateTime(),
  sealedAt: z.isoDateTime(),
  keyId: z.string(),
});
export type SealBody = z.infer<typeof SealBody>;

/**
 * A seal as it is published (the digest object in the bucket, a `seal` line of an export): the
 * body, its hash and signature, and the covered events' ids, creation times and leaf hashes in tree
 * order. Those lists are not signed one by one: the leaves must hash to the signed Merkle root, the
 * ids and times to the signed index hash. With the times, a verifier holding only part of a seal's
 * events (an export of a time range) knows which of the others belong in its range.
 */
export const SealDigest = z.extend(SealBody, {
  hash: hex64,
  signature: base64url,
  eventIds: z.array(z.string()),
  eventTimes: z.array(z.string()),
  leaves: z.array(z.string()),
});
export type SealDigest = z.infer<typeof SealDigest>;

export const VerifyQuery = z.object({
  /** Inclusive: seals covering any event created at or after it. */
  from: z.optional(z.isoDateTime({ offset: true })),
  /** Exclusive. */
  to: z.optional(z.isoDateTime({ offset: true })),
});
export type VerifyQuery = z.output<typeof VerifyQuery>;

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
