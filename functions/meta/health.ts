import { check } from "@voxguard/core/health";
import { route } from "../edge/route.ts";
import { health } from "../routes.ts";

export const handler = route(health, async () => {
  const health = await check();
  return { status: health.checks.db === "ok" ? 200 : 503, body: health };
});
