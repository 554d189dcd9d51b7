import { Logger, LogLevelThreshold } from "@aws-lambda-powertools/logger";

/**
 * Structured JSON logs. Callers log identifiers and outcomes, never request bodies, passwords,
 * tokens or token hashes: nothing here filters them out after the fact.
 */
export const log = new Logger({
  serviceName: "voxguard",
  logLevel: (process.env.LOG_LEVEL as "INFO" | undefined) ?? (process.env.VITEST ? "ERROR" : "INFO"),
});

/**
 * Whether a line at `level` would be written. For lines on every request: a call that is filtered
 * out still reads the trace id from the environment and builds its fields first.
 */
export function logsAt(level: keyof typeof LogLevelThreshold): boolean {
  return log.level <= LogLevelThreshold[level];
}
