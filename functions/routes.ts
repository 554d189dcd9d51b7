import { z } from "zod";
import { HealthInfo } from "@voxguard/core/health/schema";
import type { RouteTable } from "./edge/route-definition.ts";

/**
 * THE route table. infra/api.ts deploys exactly these routes, the local server serves them and
 * GET /openapi.json documents them. Keys are API Gateway route keys.
 */
export const routes = {
  "GET /health": {
    handler: "functions/meta/health.handler",
    auth: "none",
    summary: "Health of the service and its dependencies",
    responses: { 200: HealthInfo, 503: HealthInfo },
  },
  "GET /openapi.json": {
    handler: "functions/meta/openapi.handler",
    auth: "none",
    summary: "This API's OpenAPI 3.1 document",
    responses: { 200: z.record(z.string(), z.unknown()) },
  },
  // identity: routes (issue 3)
  // tenancy: routes (issue 4)
  // audit: routes (issue 5)
} as const satisfies RouteTable;
