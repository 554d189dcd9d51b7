import { jobs, type JobDefinition } from "../functions/jobs.ts";
import { applyFunctionDefaults } from "./function-defaults.ts";
import { rate } from "./rate.ts";

// CronV2 is EventBridge Scheduler. Its `retries` retry delivering the invocation (throttling, an
// unavailable Lambda service), not a run that fails: Scheduler invokes the function
// asynchronously, and a run that throws is retried by Lambda's own asynchronous retries (two, by
// default).
function scheduled(name: string, job: Required<Pick<JobDefinition, "handler" | "everyMinutes">>) {
  const fn: sst.aws.FunctionArgs = { handler: job.handler, timeout: "5 minutes" };
  applyFunctionDefaults(fn);
  return new sst.aws.CronV2(name, { schedule: rate(job.everyMinutes), function: fn, retries: 2 });
}

// A run missed altogether is harmless: the next one removes the same rows.
export const sessionCleanup = scheduled("SessionCleanup", jobs.sessionCleanup);

// Indexes what the audit consumer deferred while Quickwit was down, from audit_log. It fails while
// Quickwit is still down; the next run starts again from the oldest deferred event.
export const auditReindex = scheduled("AuditReindex", jobs.auditReindex);
