import * as Invitation from "@voxguard/core/invitation";
import { route } from "../../edge/route.ts";

export const handler = route("POST /orgs/{orgId}/invitations", async ({ actor, params, body }) => ({
  status: 201,
  body: { invitation: await Invitation.create(actor, params.orgId, body) },
}));
