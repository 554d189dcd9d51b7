import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";

export const handler = route("DELETE /orgs/{orgId}", async ({ actor, params }) => {
  await Org.remove(actor, params.orgId);
  return { status: 204 };
});
