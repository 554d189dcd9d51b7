import { verifyTrail } from "@voxguard/core/audit-seal";
import { route } from "../edge/route.ts";

export const handler = route("GET /orgs/{orgId}/audit/verify", async ({ actor, params, query }) => ({
  status: 200,
  body: await verifyTrail(actor, params.orgId, query),
}));
