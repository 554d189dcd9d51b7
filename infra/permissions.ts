import { SEAL_DIGEST_PREFIX } from "../core/audit-seal/digest-prefix.ts";

// Least privilege: what each function may do, action by action. Nothing is linked for the sake of
// permissions (a link to a queue grants sqs:*, PurgeQueue and DeleteQueue included; to a bucket,
// s3:*): functions get the queue URL or bucket name as a variable and exactly these grants.

export type Permission = sst.aws.FunctionPermissionArgs;

/** SendMessageBatch is authorized as sqs:SendMessage. */
export function sendMessages(queueArn: $util.Input<string>): Permission {
  return { actions: ["sqs:SendMessage"], resources: [queueArn] };
}

/** The health check's queue probe. */
export function readQueueAttributes(queueArn: $util.Input<string>): Permission {
  return { actions: ["sqs:GetQueueAttributes"], resources: [queueArn] };
}

/**
 * The export's multipart upload (Create/UploadPart/Complete are all s3:PutObject), its abort on
 * failure, and the GET its presigned URL stands for (signed with the function's own credentials).
 */
export function writeExports(bucketArn: $util.Input<string>): Permission {
  return {
    actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject"],
    resources: [$interpolate`${bucketArn}/*`],
  };
}

/** The sealer's digest objects: one PutObject each, under the digest prefix only. */
export function writeSealDigests(bucketArn: $util.Input<string>): Permission {
  return { actions: ["s3:PutObject"], resources: [$interpolate`${bucketArn}/${SEAL_DIGEST_PREFIX}*`] };
}

/** Adds grants to the function's own. */
export function grant(args: sst.aws.FunctionArgs, ...permissions: Permission[]): void {
  const own = $output(args.permissions ?? []);
  // Annotated: an unannotated callback's object literals are not checked against the option's type.
  args.permissions = own.apply((mine): Permission[] => [...mine, ...permissions]);
}
