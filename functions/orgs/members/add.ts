import * as Member from "@voxguard/core/member";
import { route } from "../../edge/route.ts";

export const handler = route("POST /orgs/{orgId}/members", async ({ actor, params, body }) => ({
  status: 201,
  body: { member: await Member.add(actor, params.orgId, body) },
}));
