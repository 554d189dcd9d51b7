import { s3AccessKeyId, s3Endpoint, s3SecretAccessKey } from "./secrets.ts";
import { settings } from "./settings.ts";

export interface Storage {
  /** The AWS bucket, when exports are kept in AWS S3. */
  bucket: sst.aws.Bucket | undefined;
  bucketName: $util.Input<string>;
  link: unknown[];
  environment: Record<string, $util.Input<string>>;
}

function createStorage(): Storage {
  if (settings.storage.kind === "rustfs") {
    // External S3-compatible store: the bucket exists there already; the functions get its
    // endpoint and keys (Lambda reserves AWS_ACCESS_KEY_ID, hence the S3_ prefix).
    return {
      bucket: undefined,
      bucketName: settings.storage.bucket,
      link: [s3Endpoint, s3AccessKeyId, s3SecretAccessKey],
      environment: {
        S3_BUCKET: settings.storage.bucket,
        AWS_ENDPOINT_URL_S3: s3Endpoint.value,
        S3_ACCESS_KEY_ID: s3AccessKeyId.value,
        S3_SECRET_ACCESS_KEY: s3SecretAccessKey.value,
      },
    };
  }
  // Exports are handed out as presigned URLs that expire within the hour; a week covers retries.
  const bucket = new sst.aws.Bucket("AuditExports", {
    // Exports only: the seal digests under audit-seals/ are evidence and stay.
    lifecycle: [{ id: "expire-exports", prefix: "exports/", expiresIn: "7 days" }],
  });
  return { bucket, bucketName: bucket.name, link: [bucket], environment: { S3_BUCKET: bucket.name } };
}

export const storage = createStorage();
