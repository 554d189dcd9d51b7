import { check } from "@voxguard/core/health";
import { route } from "../edge/route.ts";

export const handler = route("GET /health", async () => {
  const health = await check();
  return { status: health.checks.db === "ok" ? 200 : 503, body: health };
});
