import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";

export const handler = route("PATCH /orgs/{orgId}", async ({ actor, params, body }) => ({
  status: 200,
  body: { org: await Org.update(actor, params.orgId, body) },
}));
