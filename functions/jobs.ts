import { SEAL_AUDIT_EVERY_MINUTES } from "./jobs/seal-audit-schedule.ts";

/** A function outside the route table: what runs it, beside the handler it runs. */
export interface JobDefinition {
  /** SST's handler notation: file path from the repo root, then the export. */
  handler: `functions/${string}.handler`;
  /** Consumers: the most messages one invocation gets. */
  batchSize?: number;
  /** Scheduled jobs: how often they run, deployed (EventBridge Scheduler) and under `npm run dev`. */
  everyMinutes?: number;
}

/**
 * THE jobs table, beside the route table: the queue consumers, the scheduled jobs and the migrator.
 * infra deploys them, `npm run dev` runs them and the build bundles them from here. Loaded by infra,
 * so it imports nothing from core.
 */
export const jobs = {
  auditConsumer: { handler: "functions/queue/audit-consumer.handler", batchSize: 100 },
  mailConsumer: { handler: "functions/queue/mail-consumer.handler", batchSize: 10 },
  sessionCleanup: { handler: "functions/jobs/cleanup-sessions.handler", everyMinutes: 15 },
  auditReindex: { handler: "functions/jobs/reindex-audit.handler", everyMinutes: 5 },
  auditSeal: { handler: "functions/jobs/seal-audit.handler", everyMinutes: SEAL_AUDIT_EVERY_MINUTES },
  /** Invoked by each deploy before any other function changes. */
  migrator: { handler: "functions/jobs/migrate.handler" },
} as const satisfies Record<string, JobDefinition>;
