import * as z from "../zod/index.ts";

export const CheckStatus = z.enum(["ok", "down", "disabled"]);
export const HealthInfo = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  checks: z.object({ db: CheckStatus, cache: CheckStatus, search: CheckStatus, queue: CheckStatus }),
});
export type HealthInfo = z.infer<typeof HealthInfo>;
export type CheckStatus = z.infer<typeof CheckStatus>;
