import * as Invitation from "@voxguard/core/invitation";
import { route } from "../../edge/route.ts";
import { revokeInvitation } from "../../routes.ts";

export const handler = route(revokeInvitation, async ({ actor, params }) => {
  await Invitation.revoke(actor, params.orgId, params.invitationId);
  return { status: 204 };
});
