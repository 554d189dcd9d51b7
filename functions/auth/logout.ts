import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";

export const handler = route("POST /auth/logout", async ({ actor }) => {
  await Session.logout(actor);
  return { status: 204 };
});
