/** An AWS service's error answer, or a request that got none. */
export class AwsError extends Error {
  override name = "AwsError";
  /** The HTTP status, or undefined when no answer came at all (refused, reset, timed out). */
  status: number | undefined;
  /** The service's error type (QueueDoesNotExist, MessageRejected, …), or the network error code without an answer. */
  code: string;

  constructor(message: string, status: number | undefined, code: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
