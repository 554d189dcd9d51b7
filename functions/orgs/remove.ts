import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";
import { removeOrg } from "../routes.ts";

export const handler = route(removeOrg, async ({ actor, params }) => {
  await Org.remove(actor, params.orgId);
  return { status: 204 };
});
