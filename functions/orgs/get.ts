import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";
import { getOrg } from "../routes.ts";

export const handler = route(getOrg, async ({ actor, params }) => ({
  status: 200,
  body: { org: await Org.fromID(actor, params.orgId) },
}));
