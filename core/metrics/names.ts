/**
 * The figures VoxGuard publishes itself (CloudWatch embedded metric format), named once: the code
 * that emits them and the alarms in infra/ both read them from here. Pure constants, no I/O, so
 * infra/ can import this file without Powertools.
 */
export const METRICS_NAMESPACE = "VoxGuard";
export const METRICS_SERVICE = "voxguard";

export const Metric = {
  /** Events the consumer stored (new or already there). */
  auditEventsStored: "AuditEventsStored",
  /** Stored events Quickwit did not take at once, listed in the index backlog. */
  auditIndexDeferred: "AuditIndexDeferred",
  /** Backlog entries left after a reindex run (counted up to a cap): above 0 for long = search is behind. */
  auditIndexBacklog: "AuditIndexBacklog",
  /** Events the reindex job moved from the backlog into Quickwit. */
  auditEventsReindexed: "AuditEventsReindexed",
  /** Expired sessions the cleanup removed. */
  sessionsRemoved: "SessionsRemoved",
  /** 1 when a cleanup run stopped before it had removed every expired session. */
  cleanupIncomplete: "CleanupIncomplete",
} as const;
export type MetricName = (typeof Metric)[keyof typeof Metric];
