import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";

export const handler = route("DELETE /auth/sessions", async ({ actor }) => {
  await Session.removeOthers(actor);
  return { status: 204 };
});
