// Set with `npx sst secret set <Name> <value> --stage <stage>`. The optional ones have an empty
// placeholder: core/config reads an empty URL as "not configured".
export const databaseUrl = new sst.Secret("DatabaseUrl");
export const redisUrl = new sst.Secret("RedisUrl", "");
export const quickwitUrl = new sst.Secret("QuickwitUrl", "");
// RustFS (or any S3-compatible store). Unused while the export bucket is in AWS S3.
export const s3Endpoint = new sst.Secret("S3Endpoint", "");
export const s3AccessKeyId = new sst.Secret("S3AccessKeyId", "");
export const s3SecretAccessKey = new sst.Secret("S3SecretAccessKey", "");
