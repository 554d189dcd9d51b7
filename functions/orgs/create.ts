import * as Org from "@voxguard/core/org";
import { route } from "../edge/route.ts";
import { createOrg } from "../routes.ts";

export const handler = route(createOrg, async ({ actor, body }) => ({
  status: 201,
  body: { org: await Org.create(actor, body) },
}));
