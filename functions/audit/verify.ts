import { verifyTrail } from "@voxguard/core/audit-seal";
import { route } from "../edge/route.ts";
import { verifyAudit } from "../routes.ts";

export const handler = route(verifyAudit, async ({ actor, params, query }) => ({
  status: 200,
  body: await verifyTrail(actor, params.orgId, query),
}));
