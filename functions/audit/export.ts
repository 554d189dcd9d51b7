import { exportTrail } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";
import { exportAudit } from "../routes.ts";

export const handler = route(exportAudit, async ({ actor, params, body }) => ({
  status: 201,
  body: await exportTrail(actor, params.orgId, body),
}));
