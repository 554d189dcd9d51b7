// Set with `npx sst secret set <Name> <value> --stage <stage>`. Functions link them; their values
// travel encrypted in the function's bundle and core/config reads them through SST's Resource
// (core/config/linked-secrets.ts names each one's variable). The optional ones have an empty
// placeholder: core/config reads an empty URL as "not configured".
export const databaseUrl = new sst.Secret("DatabaseUrl");
export const redisUrl = new sst.Secret("RedisUrl", "");
export const quickwitUrl = new sst.Secret("QuickwitUrl", "");
// RustFS keys, linked to the functions that write to the bucket (the export route, the sealer), and
// only when the stage keeps exports there.
export const s3AccessKeyId = new sst.Secret("S3AccessKeyId", "");
export const s3SecretAccessKey = new sst.Secret("S3SecretAccessKey", "");
// The audit trail's sealing key: a private Ed25519 JWK (`npm run -s audit:keygen`), linked to the
// sealing job only; no route's function ever holds it.
export const auditSealKey = new sst.Secret("AuditSealKey");
// Every public key a seal may name (JSON array of JWKs): the current key's public half and the
// retired ones. Public, but a secret so that rotating it is `sst secret set` and a deploy, like the key.
export const auditSealPublicKeys = new sst.Secret("AuditSealPublicKeys", "[]");
