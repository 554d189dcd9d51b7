import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";

export const handler = route("GET /orgs/{orgId}/members", async ({ actor, params, query }) => ({
  status: 200,
  body: await Member.list(actor, params.orgId, query),
}));
