import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";

export const handler = route("GET /orgs/{orgId}/resources/{resourceId}", async ({ actor, params }) => ({
  status: 200,
  body: { resource: await Resource.fromID(actor, params.orgId, params.resourceId) },
}));
