import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";

export const handler = route("DELETE /orgs/{orgId}/members/{userId}", async ({ actor, params }) => {
  await Member.remove(actor, params.orgId, params.userId);
  return { status: 204 };
});
