import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";
import { updateOrg } from "../routes.ts";

export const handler = route(updateOrg, async ({ actor, params, body }) => ({
  status: 200,
  body: { org: await Org.update(actor, params.orgId, body) },
}));
