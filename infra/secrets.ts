// Set with `npx sst secret set <Name> <value> --stage <stage>`. Functions link them; their values
// travel encrypted in the function's bundle and core/config reads them through SST's Resource
// (core/config/linked-secrets.ts names each one's variable). The optional ones have an empty
// placeholder: core/config reads an empty URL as "not configured".
export const databaseUrl = new sst.Secret("DatabaseUrl");
export const redisUrl = new sst.Secret("RedisUrl", "");
export const quickwitUrl = new sst.Secret("QuickwitUrl", "");
// RustFS keys, linked to the export function only, and only when the stage keeps exports there.
export const s3AccessKeyId = new sst.Secret("S3AccessKeyId", "");
export const s3SecretAccessKey = new sst.Secret("S3SecretAccessKey", "");
