import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";
import { listResources } from "../../routes.ts";

export const handler = route(listResources, async ({ actor, params, query }) => ({
  status: 200,
  body: await Resource.list(actor, params.orgId, query),
}));
