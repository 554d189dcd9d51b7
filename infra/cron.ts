import { jobs } from "../functions/jobs.ts";
import { applyFunctionDefaults } from "./function-defaults.ts";
import { rate } from "./rate.ts";

const cleanup: sst.aws.FunctionArgs = {
  handler: jobs.sessionCleanup.handler,
  timeout: "5 minutes",
};
applyFunctionDefaults(cleanup);

// CronV2 is EventBridge Scheduler. Its `retries` retry delivering the invocation (throttling, an
// unavailable Lambda service), not a run that fails: Scheduler invokes the function
// asynchronously, and a run that throws is retried by Lambda's own asynchronous retries (two, by
// default). A run missed altogether is harmless: the next one removes the same rows.
export const sessionCleanup = new sst.aws.CronV2("SessionCleanup", {
  schedule: rate(jobs.sessionCleanup.everyMinutes),
  function: cleanup,
  retries: 2,
});

const reindex: sst.aws.FunctionArgs = {
  handler: jobs.auditReindex.handler,
  timeout: "5 minutes",
};
applyFunctionDefaults(reindex);

// Indexes what the audit consumer deferred while Quickwit was down, from audit_log. It fails while
// Quickwit is still down; the next run starts again from the oldest deferred event.
export const auditReindex = new sst.aws.CronV2("AuditReindex", {
  schedule: rate(jobs.auditReindex.everyMinutes),
  function: reindex,
  retries: 2,
});
