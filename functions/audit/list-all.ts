import { list } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";
import { listAllAudit } from "../routes.ts";

export const handler = route(listAllAudit, async ({ actor, query }) => ({
  status: 200,
  body: await list(actor, { type: "all" }, query),
}));
