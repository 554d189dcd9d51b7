import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";
import { listOrgs } from "../routes.ts";

export const handler = route(listOrgs, async ({ actor, query }) => ({
  status: 200,
  body: await Org.list(actor, query),
}));
