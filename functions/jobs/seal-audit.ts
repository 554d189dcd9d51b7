import type { Context, ScheduledEvent } from "aws-lambda";
import { sealPending } from "@voxguard/core/audit-seal";
import { log } from "@voxguard/core/log";
import { SEAL_AUDIT_RUN_BUDGET_MS } from "./seal-audit-schedule.ts";
/** Room for the batch in progress and its digest objects once the budget is spent. */
const SAFETY_MARGIN_MS = 15_000;

/** Scheduled every minute: seals what was stored since each chain's last seal. */
export async function handler(_event: ScheduledEvent | undefined, context: Context) {
  const started = Date.now();
  const result = await sealPending({
    publish: true,
    shouldStop: () =>
      Date.now() - started > SEAL_AUDIT_RUN_BUDGET_MS || context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS,
  });
  log.info("audit trail sealed", { ...result, ms: Date.now() - started });
  return result;
}
