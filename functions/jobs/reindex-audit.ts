import type { Context } from "aws-lambda";
import { backlogSize, reindexBacklog, type ReindexResult } from "@voxguard/core/audit";
import { log } from "@voxguard/core/log";
import { count, Metric, withMetrics } from "@voxguard/core/metrics";

// Room for the batch in hand (a Quickwit ingest with its retries) and the closing count.
const SAFETY_MARGIN_MS = 30_000;

/**
 * Scheduled: indexes the audit events the consumer deferred (Quickwit was down or refused them),
 * from their rows in audit_log, oldest first, until the backlog is empty or time runs low. While
 * Quickwit is still down it throws, which is what the job's error alarm watches; the backlog's size
 * is published either way.
 */
export const handler = (_event: unknown, context?: Context): Promise<ReindexResult | { skipped: "no QUICKWIT_URL" }> =>
  withMetrics(async () => {
    const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS : undefined;
    try {
      const result = await reindexBacklog({ deadline });
      if (!result) {
        log.info("no QUICKWIT_URL: nothing to index");
        return { skipped: "no QUICKWIT_URL" as const };
      }
      count(Metric.auditEventsReindexed, result.indexed);
      count(Metric.auditIndexBacklog, result.remaining);
      log.info("audit index backlog processed", { ...result });
      return result;
    } catch (error) {
      count(Metric.auditIndexBacklog, await backlogSize().catch(() => 0));
      throw error;
    }
  });
