import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";

export const handler = route("GET /orgs/{orgId}/resources", async ({ actor, params, query }) => ({
  status: 200,
  body: await Resource.list(actor, params.orgId, query),
}));
