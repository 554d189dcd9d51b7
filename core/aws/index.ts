export * from "./error.ts";
export * from "./signature-v4.ts";
export * from "./sqs.ts";
export * from "./ses.ts";
