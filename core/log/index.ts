/**
 * Structured JSON logs, one line an entry, with the fields Powertools Logger writes for a logger
 * that is not given the Lambda context: `level`, `message`, `timestamp`, `service`,
 * `sampling_rate`, `xray_trace_id`, then the caller's own keys; an Error as `{ name, location,
 * message, stack, cause }`. Written here rather than taken from Powertools: its Logger was 23 KB
 * of every bundle and the largest piece of a function's init after the required libraries
 * (README, "Bundle size and cold start"), for features (sampling, buffering, context injection,
 * custom formatters) no function uses.
 *
 * Callers log identifiers and outcomes, never request bodies, passwords, tokens or token hashes:
 * nothing here filters them out after the fact.
 */

import { logLevel, type LogLevel as Level } from "../config/index.ts";

// Powertools' numbers; Lambda's FATAL is its CRITICAL.
const LEVELS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, FATAL: 24, SILENT: 28 } as const satisfies Record<
  Level,
  number
>;
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";
type Fields = Record<string, unknown>;

const SERVICE = "voxguard";

const minimum = LEVELS[logLevel()];

/** "file:line" of the first stack frame, as Powertools reports an error's location. */
function locationOf(stack: string | undefined): string {
  for (const line of stack?.split("\n") ?? []) {
    const match = /\(([^()]*?):(\d+?):(\d+?)\)\\?$/.exec(line);
    if (match) return `${match[1]}:${Number(match[2])}`;
  }
  return "";
}

function formatError(error: Error): Fields {
  const { name, message, stack, cause, ...own } = error as Error & Fields;
  return {
    name,
    location: locationOf(stack),
    message,
    stack,
    cause: cause instanceof Error ? formatError(cause) : cause,
    ...own,
  };
}

function line(level: LogLevel, message: string, fields: Fields | undefined): string {
  const trace = process.env._X_AMZN_TRACE_ID;
  const entry: Fields = {
    level,
    message,
    timestamp: new Date().toISOString(),
    service: SERVICE,
    sampling_rate: 0,
    xray_trace_id: trace ? trace.split(";")[0]!.replace("Root=", "") : undefined,
    ...fields,
  };
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (value instanceof Error) return formatError(value);
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "object" && value !== null) {
      // A cycle is dropped where it closes, not allowed to throw away the whole line.
      if (seen.has(value)) return undefined;
      seen.add(value);
    }
    return value;
  });
}

function write(level: LogLevel, message: string, fields?: Fields): void {
  if (LEVELS[level] < minimum) return;
  // As Powertools does: warnings and errors on stderr, the rest on stdout.
  const stream = LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout;
  stream.write(`${line(level, message, fields)}\n`);
}

export const log = {
  debug: (message: string, fields?: Fields) => write("DEBUG", message, fields),
  info: (message: string, fields?: Fields) => write("INFO", message, fields),
  warn: (message: string, fields?: Fields) => write("WARN", message, fields),
  error: (message: string, fields?: Fields) => write("ERROR", message, fields),
};

/** Whether a line at `level` would be written: for lines on every request, to skip building their fields. */
export function logsAt(level: LogLevel): boolean {
  return LEVELS[level] >= minimum;
}
