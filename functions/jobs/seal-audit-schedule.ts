// The sealing job's schedule, read by infra/audit-seal.ts (EventBridge Scheduler) and by
// `npm run dev` (local cron) alike. Nothing else here: infra loads it without core.
export const SEAL_AUDIT_EVERY_MINUTES = 1;
/**
 * A run stops starting batches after this, whatever the Lambda timeout: the next run begins a
 * schedule interval after this one did, and what a run leaves is pending for it.
 */
export const SEAL_AUDIT_RUN_BUDGET_MS = 40_000;
