import * as Invitation from "@voxguard/core/invitation";
import { route } from "../../edge/route.ts";

export const handler = route("GET /orgs/{orgId}/invitations", async ({ actor, params, query }) => ({
  status: 200,
  body: await Invitation.list(actor, params.orgId, query),
}));
