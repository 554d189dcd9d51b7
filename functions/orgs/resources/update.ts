import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";
import { updateResource } from "../../routes.ts";

export const handler = route(updateResource, async ({ actor, params, body }) => ({
  status: 200,
  body: { resource: await Resource.update(actor, params.orgId, params.resourceId, body) },
}));
