import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";
import { revokeOtherSessions } from "../routes.ts";

export const handler = route(revokeOtherSessions, async ({ actor }) => {
  await Session.removeOthers(actor);
  return { status: 204 };
});
