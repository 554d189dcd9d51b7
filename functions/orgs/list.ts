import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";

export const handler = route("GET /orgs", async ({ actor, query }) => ({
  status: 200,
  body: await Org.list(actor, query),
}));
