/**
 * The SST secrets a deployed function is linked to (infra/secrets.ts), by the variable each one
 * stands for. Linked values travel encrypted inside the function's bundle, not in its plaintext
 * environment. Pure data: infra/ and its tests read it without SST's runtime.
 */
export const LINKED_SECRETS = {
  DatabaseUrl: "DATABASE_URL",
  RedisUrl: "REDIS_URL",
  QuickwitUrl: "QUICKWIT_URL",
  S3AccessKeyId: "S3_ACCESS_KEY_ID",
  S3SecretAccessKey: "S3_SECRET_ACCESS_KEY",
  AuditSealKey: "AUDIT_SEAL_KEY",
  AuditSealPublicKeys: "AUDIT_SEAL_PUBLIC_KEYS",
} as const;
