import * as z from "../zod/index.ts";
import { onFirstUse } from "../validation/first-use.ts";
import { base64url } from "./encoding.ts";

// Built on first use: the keys are read on a function's first request, not at its init, and the
// keys and verification routes load this module (the three objects cost them ~3 million
// instructions at init, 1 % of the floor).

/** A public Ed25519 key as published in the key set (RFC 8037 OKP JWK). */
export const PublicJwk = onFirstUse(() =>
  z.object({
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    x: base64url,
    kid: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    use: z.optional(z.literal("sig")),
    alg: z.optional(z.literal("EdDSA")),
  }),
);
export type PublicJwk = z.infer<ReturnType<typeof PublicJwk>>;

export const PrivateJwk = onFirstUse(() => z.extend(PublicJwk(), { d: base64url }));
export type PrivateJwk = z.infer<ReturnType<typeof PrivateJwk>>;

export const JwkSet = onFirstUse(() =>
  z.object({
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
  }),
);
export type JwkSet = z.infer<ReturnType<typeof JwkSet>>;
