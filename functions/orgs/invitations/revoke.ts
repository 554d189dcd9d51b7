import * as Invitation from "@voxguard/core/invitation";
import { route } from "../../edge/route.ts";

export const handler = route("DELETE /orgs/{orgId}/invitations/{invitationId}", async ({ actor, params }) => {
  await Invitation.revoke(actor, params.orgId, params.invitationId);
  return { status: 204 };
});
