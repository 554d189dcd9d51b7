import type { Context, ScheduledEvent } from "aws-lambda";
import { config } from "@voxguard/core/config";
import { log } from "@voxguard/core/log";
import { count, Metric, withMetrics } from "@voxguard/core/metrics";
import * as Session from "@voxguard/core/session";

// A batch started with less time left than the statement timeout could be cut off by the Lambda
// timeout; the extra seconds cover its commit and the log line.
const safetyMarginMs = () => config().databaseStatementTimeoutMs + 2_000;

/** Scheduled: deletes expired sessions in bounded batches until none are left or time runs low. */
export function handler(
  _event: ScheduledEvent | undefined,
  context: Context,
): Promise<{ deleted: number; complete: boolean }> {
  return withMetrics(async () => {
    const result = await Session.removeExpired({
      shouldStop: () => context.getRemainingTimeInMillis() < safetyMarginMs(),
    });
    log.info("expired sessions removed", {
      deleted: result.deleted,
      batches: result.batches,
      complete: result.complete,
    });
    count(Metric.sessionsRemoved, result.deleted);
    count(Metric.cleanupIncomplete, result.complete ? 0 : 1);
    return { deleted: result.deleted, complete: result.complete };
  });
}
