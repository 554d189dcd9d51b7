import * as z from "../zod/index.ts";

/** Quickwit's rule for an index id. */
export const INDEX_ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{2,254}$/;
export const IndexId = z.string().check(z.regex(INDEX_ID_PATTERN, "expected a Quickwit index id"));

export const DEFAULT_AUDIT_INDEX_ID = "voxguard-audit";
export const DEFAULT_AUDIT_RETENTION = "90 days";
