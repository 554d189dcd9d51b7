import * as z from "../zod/index.ts";

/** A mailed one-time token, as the link carries it. Any other string is simply an unknown token. */
export const OneTimeToken = z.string().check(z.minLength(1), z.maxLength(256));
