import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";
import { getResource } from "../../routes.ts";

export const handler = route(getResource, async ({ actor, params }) => ({
  status: 200,
  body: { resource: await Resource.fromID(actor, params.orgId, params.resourceId) },
}));
