import { list } from "@voxguard/core/audit";
import { route } from "../edge/route.ts";

export const handler = route("GET /me/audit", async ({ actor, query }) => ({
  status: 200,
  body: await list(actor, { type: "me" }, query),
}));
