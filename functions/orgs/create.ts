import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";

export const handler = route("POST /orgs", async ({ actor, body }) => ({
  status: 201,
  body: { org: await Org.create(actor, body) },
}));
