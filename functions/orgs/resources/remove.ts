import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";
import { removeResource } from "../../routes.ts";

export const handler = route(removeResource, async ({ actor, params }) => {
  await Resource.remove(actor, params.orgId, params.resourceId);
  return { status: 204 };
});
