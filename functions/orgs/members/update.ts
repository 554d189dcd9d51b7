import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";

export const handler = route("PATCH /orgs/{orgId}/members/{userId}", async ({ actor, params, body }) => ({
  status: 200,
  body: { member: await Member.update(actor, params.orgId, params.userId, body) },
}));
