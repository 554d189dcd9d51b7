import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";
import { listMembers } from "../../routes.ts";

export const handler = route(listMembers, async ({ actor, params, query }) => ({
  status: 200,
  body: await Member.list(actor, params.orgId, query),
}));
