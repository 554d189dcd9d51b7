import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";
import { updateMember } from "../../routes.ts";

export const handler = route(updateMember, async ({ actor, params, body }) => ({
  status: 200,
  body: { member: await Member.update(actor, params.orgId, params.userId, body) },
}));
