import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";
import { removeMember } from "../../routes.ts";

export const handler = route(removeMember, async ({ actor, params }) => {
  await Member.remove(actor, params.orgId, params.userId);
  return { status: 204 };
});
