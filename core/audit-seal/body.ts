import * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { hex64 } from "./encoding.ts";

/**
 * What a seal signs: its canonical JSON (RFC 8785) is the signed message and, hashed, the chain link.
 * Built on first use, as the keys are (./jwk.ts): the verification route needs its fields only when
 * it verifies.
 */
export const SealBody = onFirstUse(() =>
  z.object({
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
  }),
);
export type SealBody = z.infer<ReturnType<typeof SealBody>>;
