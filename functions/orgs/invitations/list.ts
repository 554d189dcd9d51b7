import * as Invitation from "@voxguard/core/invitation";
import { route } from "../../edge/route.ts";
import { listInvitations } from "../../routes.ts";

export const handler = route(listInvitations, async ({ actor, params, query }) => ({
  status: 200,
  body: await Invitation.list(actor, params.orgId, query),
}));
