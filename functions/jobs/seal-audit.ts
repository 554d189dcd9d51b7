import type { Context, ScheduledEvent } from "aws-lambda";
import { sealPending } from "@voxguard/core/audit-seal";
import { log } from "@voxguard/core/log";

/**
 * A run never takes more than this, whatever the Lambda timeout: the next run starts a minute
 * after this one did, and a run cut short leaves the rest pending for it.
 */
export const RUN_BUDGET_MS = 40_000;
/** Room for the batch in progress and its digest objects once the budget is spent. */
const SAFETY_MARGIN_MS = 15_000;

/** Scheduled every minute: seals what was stored since each chain's last seal. */
export async function handler(_event: ScheduledEvent | undefined, context: Context) {
  const started = Date.now();
  const result = await sealPending({
    publish: true,
    shouldStop: () => Date.now() - started > RUN_BUDGET_MS || context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS,
  });
  log.info("audit trail sealed", { ...result, ms: Date.now() - started });
  return result;
}
