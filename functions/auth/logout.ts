import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";
import { logout } from "../routes.ts";

export const handler = route(logout, async ({ actor }) => {
  await Session.logout(actor);
  return { status: 204 };
});
