import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";

export const handler = route("POST /orgs/{orgId}/resources", async ({ actor, params, body }) => ({
  status: 201,
  body: { resource: await Resource.create(actor, params.orgId, body) },
}));
