import { Logger } from "@aws-lambda-powertools/logger";

/**
 * Structured JSON logs. Callers log identifiers and outcomes, never request bodies, passwords,
 * tokens or token hashes: nothing here filters them out after the fact.
 */
export const log = new Logger({
  serviceName: "voxguard",
  logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? (process.env.VITEST ? "ERROR" : "INFO"),
});
