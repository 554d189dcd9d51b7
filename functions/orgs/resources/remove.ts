import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";

export const handler = route("DELETE /orgs/{orgId}/resources/{resourceId}", async ({ actor, params }) => {
  await Resource.remove(actor, params.orgId, params.resourceId);
  return { status: 204 };
});
