import { list } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";
import { listOrgAudit } from "../routes.ts";

export const handler = route(listOrgAudit, async ({ actor, params, query }) => ({
  status: 200,
  body: await list(actor, { type: "org", orgId: params.orgId }, query),
}));
