import { list } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";
import { listMyAudit } from "../routes.ts";

export const handler = route(listMyAudit, async ({ actor, query }) => ({
  status: 200,
  body: await list(actor, { type: "me" }, query),
}));
