import * as Invitation from "@voxguard/core/invitation";
import { route } from "../edge/route.ts";
import { acceptInvitation } from "../routes.ts";

export const handler = route(acceptInvitation, async ({ actor, body }) => ({
  status: 200,
  body: await Invitation.accept(actor, body),
}));
