/** Quickwit's rule for an index id. */
export const INDEX_ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{2,254}$/;

export const DEFAULT_AUDIT_INDEX_ID = "voxguard-audit";
export const DEFAULT_AUDIT_RETENTION = "90 days";
