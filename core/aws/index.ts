export * from "./signature-v4.ts";
export * from "./sqs.ts";
