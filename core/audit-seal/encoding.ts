import * as z from "../zod/index.ts";

/** A SHA-256 digest as the seals write it: 64 lowercase hex digits. */
export const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

/** Unpadded base64url (RFC 4648 §5): keys and signatures. */
export const base64url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/));
