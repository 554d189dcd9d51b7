import * as Invitation from "@voxguard/core/invitation";
import { route } from "../../edge/route.ts";
import { createInvitation } from "../../routes.ts";

export const handler = route(createInvitation, async ({ actor, params, body }) => ({
  status: 201,
  body: { invitation: await Invitation.create(actor, params.orgId, body) },
}));
