// Where seal digest objects live in the export bucket. Pure data: infra grants the sealer writes
// under this prefix only and keeps it out of the exports' expiry, without loading core.
export const SEAL_DIGEST_PREFIX = "audit-seals/";
