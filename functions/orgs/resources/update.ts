import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";

export const handler = route("PATCH /orgs/{orgId}/resources/{resourceId}", async ({ actor, params, body }) => ({
  status: 200,
  body: { resource: await Resource.update(actor, params.orgId, params.resourceId, body) },
}));
