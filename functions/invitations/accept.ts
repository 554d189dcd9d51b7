import * as Invitation from "@voxguard/core/invitation";
import { route } from "../edge/route.ts";

export const handler = route("POST /invitations/accept", async ({ actor, body }) => ({
  status: 200,
  body: await Invitation.accept(actor, body),
}));
