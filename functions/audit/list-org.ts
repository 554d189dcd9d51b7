import { list } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";

export const handler = route("GET /orgs/{orgId}/audit", async ({ actor, params, query }) => ({
  status: 200,
  body: await list(actor, { type: "org", orgId: params.orgId }, query),
}));
