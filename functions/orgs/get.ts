import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";

export const handler = route("GET /orgs/{orgId}", async ({ actor, params }) => ({
  status: 200,
  body: { org: await Org.fromID(actor, params.orgId) },
}));
