import type { StageSettings } from "./stage-settings.ts";

/**
 * Per-stage settings (see StageSettings for each field). Stages not listed get the development
 * defaults: no VPC, an S3 export bucket of their own, no CORS origins, alarms to the topic only.
 * A protected stage (production, prod) must list every field: until then its deploy fails.
 *
 *   production: {
 *     vpc: { kind: "existing", privateSubnets: ["subnet-0123456789abcdef0", …], securityGroups: ["sg-0123456789abcdef0"] },
 *     storage: { kind: "s3" },
 *     corsOrigins: ["https://app.voxguard.example"],
 *     alarmEmail: "oncall@voxguard.example",
 *     consumerConcurrency: 5,
 *   },
 */
export const STAGES: Record<string, Partial<StageSettings>> = {
  production: {},
};
