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

/** The region the emulated services report: AWS_REGION, as Lambda sets it, else us-east-1. */
export function localRegion(): string {
  return process.env.AWS_REGION ?? "us-east-1";
}

/** What stays the same across one function's invocations. */
interface Environment {
  region: string;
  accountId: string;
  invokedFunctionArn: string;
  logGroupName: string;
  logStreamName: string;
}

// Like a warm execution environment: one log stream a function, not one an invocation, and
// nothing here is recomputed per request.
const environments = new Map<string, Environment>();

function environmentOf(functionName: string, region: string, accountId: string): Environment {
  let environment = environments.get(functionName);
  if (!environment || environment.region !== region || environment.accountId !== accountId) {
    const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
    environment = {
      region,
      accountId,
      invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    };
    environments.set(functionName, environment);
  }
  return environment;
}

// Returned rather than written inline: a closure assigned to a property gets a name set on it
// (tsx's keepNames) each time it is made, for nothing.
function countdown(deadline: number): () => number {
  return () => Math.max(0, deadline - Date.now());
}

function unsupported(): never {
  // The callback-era completion methods are gone from the nodejs24.x runtime the app deploys to.
  throw new Error("context.done/succeed/fail are not supported: return or throw from an async handler");
}

/** A Lambda invocation context as the Node.js runtime hands it to a handler. */
export function createContext(options: ContextOptions): Context {
  const region = options.region ?? localRegion();
  const environment = environmentOf(options.functionName, region, options.accountId ?? LOCAL_ACCOUNT_ID);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: environment.invokedFunctionArn,
    memoryLimitInMB: "1024",
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: environment.logGroupName,
    logStreamName: environment.logStreamName,
    getRemainingTimeInMillis: countdown(Date.now() + options.timeoutMs),
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
