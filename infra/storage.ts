import { addEnvironment, addLinks } from "./function-defaults.ts";
import { grant, type Permission } from "./permissions.ts";
import { s3AccessKeyId, s3SecretAccessKey } from "./secrets.ts";
import { settings } from "./settings.ts";

export interface Storage {
  /** The AWS bucket, when exports are kept in AWS S3. */
  bucket: sst.aws.Bucket | undefined;
  bucketName: $util.Input<string>;
  /**
   * Gives a function that writes to the bucket (the export route, the sealer) its name and
   * `access` to it; no other function gets anything.
   */
  attach(args: sst.aws.FunctionArgs, access: (bucketArn: $util.Input<string>) => Permission): void;
}

function createStorage(): Storage {
  const storage = settings.storage;
  if (storage.kind === "rustfs") {
    // External S3-compatible store: the bucket exists there already; the function gets its
    // endpoint (not a secret) and its keys (linked secrets; Lambda reserves AWS_ACCESS_KEY_ID).
    return {
      bucket: undefined,
      bucketName: storage.bucket,
      attach(args) {
        addEnvironment(args, { S3_BUCKET: storage.bucket, AWS_ENDPOINT_URL_S3: storage.endpoint });
        addLinks(args, [s3AccessKeyId, s3SecretAccessKey]);
      },
    };
  }
  // Exports are handed out as presigned URLs that expire within the hour; a week covers retries.
  const bucket = new sst.aws.Bucket("AuditExports", {
    // Exports only: the seal digests are evidence and stay.
    lifecycle: [{ id: "expire-exports", prefix: "exports/", expiresIn: "7 days" }],
  });
  return {
    bucket,
    bucketName: bucket.name,
    attach(args, access) {
      // Not linked: a link grants s3:* on the bucket.
      addEnvironment(args, { S3_BUCKET: bucket.name });
      grant(args, access(bucket.arn));
    },
  };
}

export const storage = createStorage();
