import * as Session from "@voxguard/core/session";
import { route } from "../edge/route.ts";

export const handler = route("DELETE /auth/sessions/{sessionId}", async ({ params, actor }) => {
  await Session.remove(actor, params);
  return { status: 204 };
});
