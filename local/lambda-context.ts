import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

export interface ContextOptions {
  functionName: string;
  /** The function's configured timeout; getRemainingTimeInMillis counts down from it. */
  timeoutMs: number;
  awsRequestId?: string;
  region?: string;
  accountId?: string;
}

export const LOCAL_ACCOUNT_ID = "000000000000";

/** A Lambda invocation context as the Node.js runtime hands it to a handler. */
export function createContext(options: ContextOptions): Context {
  const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const deadline = Date.now() + options.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  const unsupported = () => {
    // The callback-era completion methods are gone from the nodejs22.x runtime the app deploys to.
    throw new Error("context.done/succeed/fail are not supported: return or throw from an async handler");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** "functions/orgs/create.handler" → "voxguard-functions-orgs-create", a plausible Lambda name. */
export function functionNameFor(handlerSpec: string): string {
  const file = handlerSpec.slice(0, handlerSpec.lastIndexOf(".")) || handlerSpec;
  return `voxguard-${file.replace(/[^A-Za-z0-9]+/g, "-")}`.slice(0, 64);
}
