import { applyFunctionDefaults } from "./function-defaults.ts";

const cleanup: sst.aws.FunctionArgs = {
  handler: "functions/jobs/cleanup-sessions.handler",
  timeout: "5 minutes",
};
applyFunctionDefaults(cleanup);

// CronV2 (EventBridge Scheduler) is the cron component that offers retries; a missed run is
// harmless anyway, the next one removes the same rows.
export const sessionCleanup = new sst.aws.CronV2("SessionCleanup", {
  schedule: "rate(15 minutes)",
  function: cleanup,
  retries: 2,
});
