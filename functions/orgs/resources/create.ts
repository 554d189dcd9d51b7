import * as Resource from "@voxguard/core/resource";
import { route } from "../../edge/route.ts";
import { createResource } from "../../routes.ts";

export const handler = route(createResource, async ({ actor, params, body }) => ({
  status: 201,
  body: { resource: await Resource.create(actor, params.orgId, body) },
}));
