import * as z from "../zod/index.ts";
import { base64url } from "./encoding.ts";

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
